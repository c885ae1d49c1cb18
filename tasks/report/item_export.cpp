#include "tasks/report/item_export.h"

namespace qs {

nlohmann::json itemJson(const ItemRecord& it) {
  nlohmann::json j{{"item", it.item}, {"doc_index", it.docIndex}};
  if (!it.docId.empty()) j["doc_id"] = it.docId;
  if (it.score) j["score"] = *it.score;
  if (it.chosen) j["chosen"] = *it.chosen;
  if (it.gold) j["gold"] = *it.gold;
  if (!it.loglikelihoods.empty()) j["loglikelihoods"] = it.loglikelihoods;
  if (!it.greedy.empty()) j["greedy"] = it.greedy;
  j["tokens"] = it.tokens;
  if (!it.outputs.empty()) j["outputs"] = it.outputs;
  // Stored by the store from a JSON dump; an unreadable value is kept as text rather than lost.
  auto metrics = nlohmann::json::parse(it.metrics, nullptr, false);
  j["metrics"] = metrics.is_discarded() ? nlohmann::json(it.metrics) : metrics;
  return j;
}

void writeItemsJsonl(std::ostream& out, const RunRecord& run, const std::vector<ItemRecord>& items) {
  for (const auto& it : items) {
    nlohmann::json j = itemJson(it);
    j["run"] = run.id;
    j["task"] = run.task;
    j["quant"] = run.quantName;
    // Model output may hold invalid UTF-8; replace rather than throw.
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
}

}  // namespace qs
