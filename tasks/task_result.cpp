#include "tasks/task_result.h"

#include <cmath>

namespace qs {

const MetricResult* TaskResult::find(const std::string& metric, const std::string& breakdown) const {
  for (const auto& m : metrics)
    if (m.metric == metric && m.breakdown == breakdown) return &m;
  return nullptr;
}

nlohmann::json toJson(const MetricResult& m) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j{{"task", m.task},         {"metric", m.metric}, {"value", num(m.value)},
                   {"stderr", num(m.stderr)}, {"n", m.n},           {"higher_is_better", m.higherIsBetter}};
  if (!m.breakdown.empty()) j["breakdown"] = m.breakdown;
  return j;
}

nlohmann::json toJson(const TaskResult& t) {
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& m : t.metrics) metrics.push_back(toJson(m));
  nlohmann::json j{{"task", t.task},         {"family", t.family},       {"kind", t.kind},
                   {"version", t.version},   {"protocol", t.protocol},   {"output_type", t.outputType},
                   {"documents", t.documents}, {"requests", t.requests}, {"metrics", metrics}};
  if (!t.notes.empty()) j["notes"] = t.notes;
  if (!t.generations.empty()) j["generations"] = t.generations;
  return j;
}

}  // namespace qs
