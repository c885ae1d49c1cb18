// IFEval's four metrics over the documents' generations: prompt level (every instruction of the
// prompt followed) and instruction level (followed instructions over all instructions, pooled
// across prompts as lm-eval's agg_inst_level_acc), each strict and loose (instruction_checks.h).
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "tasks/instruction_checks.h"
#include "tasks/task_hooks.h"

namespace qs {
namespace {

using nlohmann::json;
using Follows = std::optional<bool> (*)(const std::string&, const std::string&, const json&, const std::string&);

// (followed, checked) over the document's supported instructions; nullopt without a generation.
std::optional<std::pair<int, int>> followed(const ScoredDoc& d, Follows follows) {
  if (d.outputs.empty()) return std::nullopt;
  const json& doc = *d.doc;
  if (!doc.contains("instruction_id_list") || !doc["instruction_id_list"].is_array())
    throw Error("IFEval document has no 'instruction_id_list' list");
  const json& ids = doc["instruction_id_list"];
  const json kwargs = doc.value("kwargs", json::array());
  const std::string prompt = doc.value("prompt", std::string());
  int yes = 0, checked = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const json kw = i < kwargs.size() ? kwargs[i] : json::object();
    auto ok = follows(ids[i].get<std::string>(), d.outputs.back(), kw, prompt);
    if (!ok) continue;  // unsupported (language:response_language): not counted
    ++checked;
    yes += *ok ? 1 : 0;
  }
  if (checked == 0) return std::nullopt;
  return std::make_pair(yes, checked);
}

MetricFn promptLevel(Follows f) {
  return [f](const ScoredDoc& d) -> std::optional<Sample> {
    auto r = followed(d, f);
    if (!r) return std::nullopt;
    return Sample{r->first == r->second ? 1.0 : 0.0};
  };
}

MetricFn instructionLevel(Follows f) {
  return [f](const ScoredDoc& d) -> std::optional<Sample> {
    auto r = followed(d, f);
    if (!r) return std::nullopt;
    return Sample{static_cast<double>(r->first), static_cast<double>(r->second)};
  };
}

}  // namespace

void registerInstructionFollowingMetrics() {
  registerMetric("prompt_level_strict_acc", {promptLevel(&followsStrict), "mean", true});
  registerMetric("inst_level_strict_acc", {instructionLevel(&followsStrict), "ratio", true});
  registerMetric("prompt_level_loose_acc", {promptLevel(&followsLoose), "mean", true});
  registerMetric("inst_level_loose_acc", {instructionLevel(&followsLoose), "ratio", true});
}

}  // namespace qs
