#include "tasks/report/recommendation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "tasks/evaluator.h"
#include "tasks/resource_paths.h"
#include "tasks/report/headline_metric.h"
#include "tasks/report/paired_comparison.h"
#include "tasks/report/result_points.h"
#include "tasks/report/results_table.h"
#include "tasks/report/run_cost.h"

namespace qs {
namespace {

std::string taskLabel(const RunRecord& r) {
  return r.limit > 0 ? r.task + " (limit " + std::to_string(r.limit) + ")" : r.task;
}

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

ConfigCategory categorise(const QuantBits& b) {
  const bool w = b.weight < 16, a = b.activation < 16, kv = b.kv < 16;
  if (w && !a && !kv) return ConfigCategory::WeightOnly;
  if (w && a && !kv) return ConfigCategory::WeightActivation;
  if (!w && !a && kv) return ConfigCategory::KvCache;
  return ConfigCategory::Combined;
}

double lossPercent(double q, double b, bool higherIsBetter) {
  return 100.0 * (higherIsBetter ? b - q : q - b) / std::abs(b);
}

double twoSidedNormal(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

struct RunEntry {
  RunRecord run;
  std::vector<MetricRecord> metrics;
};

const MetricRecord* findMetric(const std::vector<MetricRecord>& ms, const std::string& name) {
  for (const auto& m : ms)
    if (m.name == name) return &m;
  return nullptr;
}

// The significance of q against b: items when both runs stored them, else the stored stderrs.
// `bi`: the baseline run's items, read once per task by the caller.
void testDifference(const ExperimentStore& store, const RunEntry& q, const std::vector<ItemRecord>& bi,
                    const MetricRecord& mq, const MetricRecord& mb, double alpha, TaskVerdict& v) {
  auto qi = store.items(q.run.id);
  if (!qi.empty() && !bi.empty()) {
    PairedComparison c = compareItems(bi, qi);
    if (c.paired > 0 && c.binary) {
      v.pValue = c.test.pExact;
      v.test = "McNemar (n=" + std::to_string(c.paired) + ")";
    } else if (c.paired > 1) {
      v.pValue = c.pairedTP;
      v.test = "paired t (n=" + std::to_string(c.paired) + ")";
    }
  }
  if (!v.pValue && mq.stdError && mb.stdError) {
    const double se = std::sqrt(*mq.stdError * *mq.stdError + *mb.stdError * *mb.stdError);
    if (se > 0) {
      v.pValue = twoSidedNormal((mq.value - mb.value) / se);
      v.test = "stderr z";
    }
  }
  v.significant = v.pValue && *v.pValue < alpha;
}

std::map<std::string, std::string> bundledKinds(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  try {
    for (const auto& t : listTasks(dir.empty() ? defaultTasksDir() : dir))
      if (t.error.empty()) out[t.name] = t.kind;
  } catch (const Error&) {
    // no task files to consult: kinds come from the runs' protocols only
  }
  return out;
}

// A task's kind: what any of its runs recorded in its protocol, else the bundled task file's, else
// "unknown". Per task, not per run, so that runs stored before and after schema v5 stay together.
std::map<std::string, std::string> taskKinds(const std::vector<RunRecord>& runs,
                                             const std::map<std::string, std::string>& bundled) {
  std::map<std::string, std::string> kinds;
  for (const auto& r : runs) {
    auto p = nlohmann::json::parse(r.protocol, nullptr, false);
    if (p.is_object() && p.contains("kind") && p["kind"].is_string()) kinds.emplace(r.task, p["kind"].get<std::string>());
  }
  for (const auto& r : runs)
    if (!kinds.count(r.task)) {
      auto it = bundled.find(r.task);
      kinds[r.task] = it != bundled.end() ? it->second : "unknown";
    }
  return kinds;
}

bool cheaper(const ConfigVerdict& a, const ConfigVerdict& b) {
  return std::tie(a.bitsPerWeight, a.activationBits, a.kvBits, a.quant) <
         std::tie(b.bitsPerWeight, b.activationBits, b.kvBits, b.quant);
}

// One model's runs (task label -> config -> run) over the given tasks.
Recommendation recommendGroup(const ExperimentStore& store, int64_t modelId, const std::string& model,
                              const std::string& kind, const std::vector<std::string>& tasks,
                              const std::map<std::string, std::map<std::string, RunEntry>>& byTask,
                              const RecommendOptions& o) {
  Recommendation rec;
  rec.modelId = modelId;
  rec.model = model;
  rec.kind = kind;
  std::map<std::string, ConfigVerdict> configs;
  for (const auto& task : tasks) {
    const auto& runs = byTask.at(task);
    const RunEntry* base = nullptr;
    for (const auto& [quant, e] : runs)
      if (isBaselineQuant(quant)) base = &e;
    if (!base) {
      rec.notes.push_back(task + ": no FP16 baseline run, so no loss can be computed");
      continue;
    }
    std::vector<std::string> names;
    for (const auto& m : base->metrics) names.push_back(m.name);
    const std::string metric = headlineMetric(names);
    const MetricRecord* mb = findMetric(base->metrics, metric);
    if (!mb || mb->value == 0) {
      rec.notes.push_back(task + ": the baseline has no usable '" + metric + "' (missing or zero)");
      continue;
    }
    rec.tasks.push_back(task);
    const auto baseItems = store.items(base->run.id);
    for (const auto& [quant, e] : runs) {
      if (isBaselineQuant(quant)) continue;
      const MetricRecord* mq = findMetric(e.metrics, metric);
      auto bits = parseQuantBits(quant);
      auto cost = runCost(e.run);
      if (!mq || !bits || !cost) continue;
      ConfigVerdict& c = configs[quant];
      c.quant = quant;
      c.bitsPerWeight = cost->bitsPerWeight;
      c.bitsNominal = cost->nominal;
      c.weightBits = bits->weight;
      c.activationBits = bits->activation;
      c.kvBits = bits->kv;
      c.category = categorise(*bits);
      TaskVerdict v;
      v.task = task;
      v.metric = metric;
      v.value = mq->value;
      v.baseline = mb->value;
      v.lossPercent = lossPercent(mq->value, mb->value, mb->higherIsBetter);
      v.within = v.lossPercent <= o.budgetPercent;
      testDifference(store, e, baseItems, *mq, *mb, o.alpha, v);
      c.tasks.push_back(std::move(v));
    }
  }
  for (auto& [quant, c] : configs) {
    double sum = 0;
    for (const auto& t : rec.tasks) {
      auto it = std::find_if(c.tasks.begin(), c.tasks.end(), [&](const TaskVerdict& v) { return v.task == t; });
      if (it == c.tasks.end()) c.missing.push_back(t);
      else sum += it->lossPercent;
    }
    if (c.missing.empty() && !c.tasks.empty()) {
      c.averageLoss = sum / static_cast<double>(c.tasks.size());
      c.withinAverage = *c.averageLoss <= o.budgetPercent;
    }
    rec.configs.push_back(c);
  }
  std::sort(rec.configs.begin(), rec.configs.end(), cheaper);
  for (const auto& c : rec.configs) {
    // Combined = the cheapest acceptable configuration of any kind.
    for (ConfigCategory cat : {c.category, ConfigCategory::Combined}) {
      if (c.withinAverage && !rec.cheapest.count(cat)) rec.cheapest[cat] = c.quant;
      for (const auto& v : c.tasks)
        if (v.within && !rec.cheapestPerTask[v.task].count(cat)) rec.cheapestPerTask[v.task][cat] = c.quant;
    }
  }
  if (rec.tasks.empty()) rec.notes.push_back("no task of this group has a baseline: nothing to recommend");
  else if (rec.configs.empty()) rec.notes.push_back("no quantized run of these tasks: nothing to compare");
  else if (rec.cheapest.empty())
    rec.notes.push_back("no configuration run on every task stays within " + format("%.3g", o.budgetPercent) +
                        "% on the average");
  return rec;
}

}  // namespace

const char* categoryName(ConfigCategory c) {
  switch (c) {
    case ConfigCategory::WeightOnly: return "W-only";
    case ConfigCategory::WeightActivation: return "W+A";
    case ConfigCategory::KvCache: return "KV";
    case ConfigCategory::Combined: return "combined";
  }
  return "?";
}

std::vector<Recommendation> recommend(const ExperimentStore& store, const RecommendOptions& o) {
  if (!(o.budgetPercent >= 0)) throw Error("recommend: the loss budget must be a non-negative percentage");
  RunFilter done;
  done.status = RunStatus::Done;
  auto metrics = store.metricsByRun(done);
  auto labels = modelLabels(store.models());
  const auto bundled = bundledKinds(o.tasksDir);
  // model -> kind -> task label -> quant -> newest done run
  std::map<int64_t, std::map<std::string, std::map<std::string, std::map<std::string, RunEntry>>>> grouped;
  std::set<std::string> seenTasks;
  std::vector<RunRecord> runs;
  for (auto& r : store.listRuns(done))
    if (o.tasks.empty() || std::find(o.tasks.begin(), o.tasks.end(), r.task) != o.tasks.end()) runs.push_back(std::move(r));
  const auto kinds = taskKinds(runs, bundled);
  for (const auto& r : runs) {
    seenTasks.insert(r.task);
    grouped[r.modelId][kinds.at(r.task)][taskLabel(r)][r.quantName] = RunEntry{r, metrics[r.id]};
  }
  std::vector<Recommendation> out;
  std::vector<std::string> notRun;
  for (const auto& t : o.tasks)
    if (!seenTasks.count(t)) notRun.push_back(t);
  for (const auto& [modelId, kinds] : grouped) {
    const std::string label = labels.count(modelId) ? labels.at(modelId) : std::to_string(modelId);
    std::map<std::string, std::map<std::string, RunEntry>> all;
    for (const auto& [kind, tasks] : kinds) {
      std::vector<std::string> names;
      for (const auto& [t, runs] : tasks) names.push_back(t), all[t] = runs;
      out.push_back(recommendGroup(store, modelId, label, kind, names, tasks, o));
    }
    if (kinds.size() > 1) {
      std::vector<std::string> names;
      for (const auto& [t, runs] : all) names.push_back(t);
      out.push_back(recommendGroup(store, modelId, label, "all", names, all, o));
    }
    for (auto& rec : out)
      if (rec.modelId == modelId)
        for (const auto& t : notRun) rec.notes.push_back(t + ": not run on this model (no done run in the database)");
  }
  if (out.empty()) {
    Recommendation empty;
    empty.notes.push_back(o.tasks.empty() ? "the database has no done runs" : "none of the requested tasks has a done run");
    out.push_back(std::move(empty));
  }
  return out;
}

std::string formatRecommendations(const std::vector<Recommendation>& recs, const RecommendOptions& o) {
  std::string s;
  const std::string budget = format("%.3g", o.budgetPercent) + "%";
  for (const auto& rec : recs) {
    s += rec.model.empty() ? "" : rec.model + " — " + rec.kind + " tasks";
    if (!rec.tasks.empty()) {
      s += " (";
      for (size_t i = 0; i < rec.tasks.size(); ++i) s += (i ? ", " : "") + rec.tasks[i];
      s += ")";
    }
    s += "\n";
    if (!rec.configs.empty()) {
      s += "  cheapest within " + budget + " of FP16 on the average:\n";
      for (ConfigCategory cat : {ConfigCategory::WeightOnly, ConfigCategory::WeightActivation, ConfigCategory::KvCache,
                                 ConfigCategory::Combined}) {
        auto it = rec.cheapest.find(cat);
        s += std::string("    ") + categoryName(cat) + ": " + (it == rec.cheapest.end() ? "none" : it->second) + "\n";
      }
      s += "  configurations, cheapest first (loss in % of FP16; * = more than noise at p < " +
           format("%.3g", o.alpha) + "):\n";
      for (const auto& c : rec.configs) {
        s += "    " + c.quant + "  " + format("%.3g", c.bitsPerWeight) + (c.bitsNominal ? "~" : "") + " bits/weight  ";
        s += c.averageLoss ? "mean loss " + format("%+.2f", *c.averageLoss) + "% " + (c.withinAverage ? "ok" : "over")
                           : std::string("mean loss n/a (not run on ") + std::to_string(c.missing.size()) + " task(s))";
        s += "\n";
        for (const auto& v : c.tasks) {
          s += "      " + v.task + " " + v.metric + " " + format("%.4g", v.value) + " vs " + format("%.4g", v.baseline) +
               ": " + format("%+.2f", v.lossPercent) + "%" + (v.significant ? "*" : "") + (v.within ? " ok" : " over");
          if (v.pValue) s += "  (p=" + format("%.3g", *v.pValue) + ", " + v.test + ")";
          s += "\n";
        }
      }
    }
    for (const auto& n : rec.notes) s += "  note: " + n + "\n";
    s += "\n";
  }
  s += "~ = bits per weight from the name on a 4096 x 4096 linear (the run stored none)\n";
  return s;
}

}  // namespace qs
