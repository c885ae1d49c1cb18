#pragma once
// Which of a task's stored metrics it is judged by: the recommendation ranks on it and the
// workbench's curves open on it.
#include <string>
#include <vector>

namespace qs {

// True for metrics that compare a quantized run with its model's FP16 run (kl_divergence,
// kl_divergence_p99, same_top_token, agreement_*): the FP16 run itself has none of them.
bool isBaselineComparisonMetric(const std::string& metric);

// Accuracy-like first (acc, acc_norm, exact_match), then perplexities (word_perplexity,
// perplexity), accuracy, f1; else the first that is neither a comparison with the baseline nor a
// breakdown ("acc[subject=x]"); else the first name; "" for an empty list.
std::string headlineMetric(const std::vector<std::string>& names);

}  // namespace qs
