#include "ui/protocol_diff.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "ui/experiment_snapshot.h"

namespace qs {
namespace {

using Json = nlohmann::json;

// A JSON value as text: strings bare, the rest as compact JSON; "" when absent.
std::string text(const Json& j, std::initializer_list<const char*> path) {
  const Json* at = &j;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return {};
    at = &(*at)[key];
  }
  if (at->is_null()) return {};
  return at->is_string() ? at->get<std::string>() : at->dump();
}

struct Field {
  const char* label;
  std::function<std::string(const RunRecord&, const Json&)> value;  // "" = not recorded
};

const std::vector<Field>& fields() {
  static const std::vector<Field> f{
      {"task version", [](const RunRecord& r, const Json&) { return r.taskVersion; }},
      {"limit", [](const RunRecord& r, const Json&) { return r.limit ? std::to_string(r.limit) : std::string("all"); }},
      {"seed", [](const RunRecord& r, const Json&) { return std::to_string(r.seed); }},
      {"few-shot examples", [](const RunRecord&, const Json& p) { return text(p, {"fewshot"}); }},
      {"output type", [](const RunRecord&, const Json& p) { return text(p, {"output"}); }},
      {"prompt protocol", [](const RunRecord&, const Json& p) { return text(p, {"protocol"}); }},
      {"perplexity protocol", [](const RunRecord&, const Json& p) { return text(p, {"perplexity", "protocol"}); }},
      {"perplexity window", [](const RunRecord&, const Json& p) { return text(p, {"perplexity", "window"}); }},
      {"perplexity stride", [](const RunRecord&, const Json& p) { return text(p, {"perplexity", "stride"}); }},
      // Runs on the bundled data record none: "" would read as "not recorded", so it is named.
      {"data folder", [](const RunRecord& r, const Json& p) {
         return r.protocol.empty() ? std::string() : p.contains("data_dir") ? text(p, {"data_dir"}) : "bundled";
       }},
  };
  return f;
}

std::string runList(const std::vector<int64_t>& ids) {
  std::string s = ids.size() == 1 ? "run " : "runs ";
  const size_t shown = std::min<size_t>(ids.size(), 4);
  for (size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  if (ids.size() > shown) s += " and " + std::to_string(ids.size() - shown) + " more";
  return s;
}

std::string shorten(std::string value) {
  return value.size() > 60 ? value.substr(0, 57) + "..." : value;
}

}  // namespace

std::vector<std::string> protocolDifferences(const std::vector<const RunRecord*>& runs) {
  std::vector<Json> parsed;
  for (const RunRecord* r : runs) parsed.push_back(Json::parse(r->protocol, nullptr, false));
  std::vector<std::string> out;
  for (const Field& field : fields()) {
    std::map<std::string, std::vector<int64_t>> byValue;
    for (size_t i = 0; i < runs.size(); ++i) {
      const std::string v = field.value(*runs[i], parsed[i].is_object() ? parsed[i] : Json::object());
      if (!v.empty()) byValue[v].push_back(runs[i]->id);
    }
    if (byValue.size() < 2) continue;
    for (auto& [value, ids] : byValue) std::sort(ids.begin(), ids.end());
    std::string line = std::string(field.label) + ": ";
    bool first = true;
    for (const auto& [value, ids] : byValue) {
      line += (first ? "" : " vs ") + shorten(value) + " (" + runList(ids) + ")";
      first = false;
    }
    out.push_back(line);
  }
  return out;
}

std::map<std::string, std::vector<std::string>> protocolDifferencesByTask(const ExperimentSnapshot& snapshot) {
  std::map<std::string, std::vector<const RunRecord*>> byTask;
  for (const auto& e : snapshot.runs)
    if (e.run.status == RunStatus::Done) byTask[taskLabel(e.run)].push_back(&e.run);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [task, runs] : byTask)
    if (auto d = protocolDifferences(runs); !d.empty()) out[task] = std::move(d);
  return out;
}

std::vector<std::pair<std::string, std::string>> protocolFields(const RunRecord& run) {
  const Json p = Json::parse(run.protocol, nullptr, false);
  if (!p.is_object()) return {};
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const std::string& label, std::initializer_list<const char*> path) {
    const std::string v = text(p, path);
    if (!v.empty()) out.push_back({label, v});
  };
  add("Prompt protocol", {"protocol"});
  add("Task kind", {"kind"});
  add("Task version", {"version"});
  add("Output type", {"output"});
  add("Few-shot examples", {"fewshot"});
  add("Limit", {"limit"});
  add("Seed", {"seed"});
  out.push_back({"Data folder", p.contains("data_dir") ? text(p, {"data_dir"}) : "bundled data"});
  add("Perplexity protocol", {"perplexity", "protocol"});
  add("Perplexity window", {"perplexity", "window"});
  add("Perplexity stride", {"perplexity", "stride"});
  add("Perplexity levels", {"perplexity", "metrics"});
  return out;
}

}  // namespace qs
