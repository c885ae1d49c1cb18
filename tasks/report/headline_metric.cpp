#include "tasks/report/headline_metric.h"

#include <algorithm>

namespace qs {

bool isBaselineComparisonMetric(const std::string& metric) {
  return metric.rfind("kl_", 0) == 0 || metric == "same_top_token" || metric.rfind("agreement", 0) == 0;
}

std::string headlineMetric(const std::vector<std::string>& names) {
  static const char* const kOrder[] = {"acc", "acc_norm", "exact_match", "word_perplexity", "perplexity", "accuracy", "f1"};
  for (const char* want : kOrder)
    if (std::find(names.begin(), names.end(), want) != names.end()) return want;
  for (const auto& n : names)
    if (!isBaselineComparisonMetric(n) && n.find('[') == std::string::npos) return n;
  return names.empty() ? std::string() : names.front();
}

}  // namespace qs
