#pragma once
// What a task run reports: metrics with standard errors and sample counts, breakdowns, and the
// generations (kept so that the run can serve as the baseline of a quantized run).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/store/store_records.h"

namespace qs {

struct MetricResult {
  std::string task;
  std::string metric;
  std::string breakdown;  // "" for the headline value, else e.g. "subject=anatomy", "num_lines=200"
  double value = 0;
  double stderr = 0;
  int64_t n = 0;
  bool higherIsBetter = true;
};

struct TaskResult {
  std::string task;
  std::string family;
  std::string kind;
  std::string protocol;
  std::string outputType;
  int version = 0;
  int64_t documents = 0;
  int64_t requests = 0;
  std::vector<MetricResult> metrics;
  // Generation tasks: document key -> outputs (one per turn).
  std::map<std::string, std::vector<std::string>> generations;
  std::vector<std::string> notes;  // e.g. why a metric is missing
  // One per evaluated document (window, for concatenated perplexity), as the store keeps them.
  std::vector<ItemRecord> items;

  // The headline value of a metric; nullptr when absent.
  const MetricResult* find(const std::string& metric, const std::string& breakdown = "") const;
};

nlohmann::json toJson(const MetricResult& m);
nlohmann::json toJson(const TaskResult& t);

}  // namespace qs
