#include "ui/curve_data.h"

#include "tasks/report/headline_metric.h"
#include "tasks/report/run_cost.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "ui/experiment_snapshot.h"
#include "ui/protocol_diff.h"

namespace qs {
namespace {

struct SeriesKey {
  int64_t modelId;
  QuantFamily family;
  int weightBits;  // WA only, else 0
  std::string options;
  bool operator<(const SeriesKey& o) const {
    return std::tie(modelId, family, weightBits, options) < std::tie(o.modelId, o.family, o.weightBits, o.options);
  }
};

std::string seriesName(const std::string& model, const SeriesKey& key, bool showOptions) {
  // Said in words, with what the x axis is for the series: "W4A·" was cryptic.
  std::string type = key.family == QuantFamily::WeightActivation
                         ? "W" + std::to_string(key.weightBits) + " + A (x = activation bits)"
                     : key.family == QuantFamily::Kv ? std::string("KV only (x = KV bits)")
                     : key.family == QuantFamily::Weight ? std::string("W only (x = weight bits)")
                                                         : quantFamilyName(key.family);
  std::string name = model + " · " + type;
  if (showOptions && !key.options.empty()) name += " (" + key.options + ")";
  return name;
}

double xBits(const QuantNameParts& p) {
  switch (p.family) {
    case QuantFamily::Weight: return p.weight;
    case QuantFamily::Kv: return p.kv;
    case QuantFamily::WeightActivation: return p.activation;
    default: return 16;
  }
}

}  // namespace

std::string CurveSet::valueLabel() const {
  return options.relative ? options.metric + ": % change vs FP16 (negative = worse)" : options.metric;
}

double relativeChange(double value, double baseline, bool higherIsBetter) {
  const double change = 100 * (value - baseline) / std::abs(baseline);
  return higherIsBetter ? change : -change;
}

bool isPerplexityMetric(const std::string& metric) {
  return metric.find("perplexity") != std::string::npos || metric.find("ppl") != std::string::npos;
}

std::string preferredMetric(const std::vector<std::string>& names) { return headlineMetric(names); }

CurveSet buildCurves(const ExperimentSnapshot& snapshot, const CurveOptions& options, const SignificanceMap* significance) {
  CurveSet set;
  set.options = options;
  std::map<SeriesKey, std::map<double, CurvePoint>> grouped;  // newest run wins per x
  std::set<std::string> optionStrings;
  int mixed = 0;
  int notWeightOnly = 0;  // BitsPerWeight: W+A and KV runs left out
  std::set<int64_t> models;

  for (const auto& entry : snapshot.runs) {
    const RunRecord& run = entry.run;
    if (taskLabel(run) != options.task || run.status != RunStatus::Done) continue;
    const MetricRecord* m = entry.metric(options.metric);
    auto parts = parseQuantName(run.quantName);
    if (!m || !parts) continue;
    set.higherIsBetter = m->higherIsBetter;
    models.insert(run.modelId);
    if (parts->family == QuantFamily::Baseline) continue;
    if (parts->family == QuantFamily::Mixed) {
      ++mixed;
      continue;
    }
    if (!options.families.count(parts->family)) continue;
    double x = xBits(*parts);
    bool nominal = false;
    if (options.xAxis == CurveXAxis::BitsPerWeight) {
      if (parts->family != QuantFamily::Weight) {
        ++notWeightOnly;
        continue;
      }
      auto cost = runCost(run);
      if (!cost) continue;
      x = cost->bitsPerWeight;
      nominal = cost->nominal;
    }
    SeriesKey key{run.modelId, parts->family, parts->family == QuantFamily::WeightActivation ? parts->weight : 0,
                  parts->options};
    optionStrings.insert(parts->options);
    CurvePoint point{x, m->value, m->stdError, run.id, run.quantName, m->samples, std::nullopt, "", nominal};
    if (significance)
      if (auto it = significance->find(run.id); it != significance->end()) {
        point.pValue = it->second.p;
        point.significance = significanceText(it->second);
      }
    grouped[key][x] = point;
  }

  std::map<int64_t, const MetricRecord*> baselineMetric;
  for (int64_t id : models) {
    const RunEntry* b = snapshot.baseline(id, options.task);
    const MetricRecord* m = b ? b->metric(options.metric) : nullptr;
    if (!m) {
      // Say which is missing: the run, or only this metric. Comparison metrics are never on the
      // FP16 run (they compare quantized runs with it), and calling that "no baseline run" sent
      // users looking for a run that exists.
      std::string why = !b ? ": no finished FP16 baseline run of this task"
                        : isBaselineComparisonMetric(options.metric)
                            ? ": " + options.metric + " compares each quantized run with the FP16 run, which has no value of its own"
                            : ": its FP16 baseline run has no " + options.metric;
      set.notes.push_back(snapshot.modelName(id) + why +
                          (options.relative ? ", so its curves are left out of the relative view" : ""));
      continue;
    }
    baselineMetric[id] = m;
    CurveBaseline line{snapshot.modelName(id), id, options.relative ? 0.0 : m->value, std::nullopt, b->run.id, m->samples};
    if (m->stdError && (!options.relative || m->value != 0)) line.stdError = options.relative ? *m->stdError / std::abs(m->value) * 100 : *m->stdError;
    set.baselines.push_back(line);
  }

  for (auto& [key, points] : grouped) {
    auto base = baselineMetric.find(key.modelId);
    if (options.relative && (base == baselineMetric.end() || base->second->value == 0)) continue;
    CurveSeries series;
    series.model = snapshot.modelName(key.modelId);
    series.modelId = key.modelId;
    series.family = key.family;
    series.name = seriesName(series.model, key, optionStrings.size() > 1);
    for (auto& [x, p] : points) {
      if (options.relative) {
        const MetricRecord& b = *base->second;
        p.value = relativeChange(p.value, b.value, b.higherIsBetter);
        if (p.stdError) p.stdError = *p.stdError / std::abs(b.value) * 100;
      }
      series.points.push_back(p);
    }
    set.series.push_back(std::move(series));
  }
  std::vector<const RunRecord*> plotted;
  for (const auto& series : set.series)
    for (const auto& p : series.points) {
      if (const RunEntry* e = snapshot.run(p.runId)) plotted.push_back(&e->run);
      set.testedPoints += p.pValue ? 1 : 0;
      set.significantPoints += p.significant() ? 1 : 0;
    }
  for (const auto& b : set.baselines)
    if (const RunEntry* e = snapshot.run(b.runId)) plotted.push_back(&e->run);
  set.protocolWarnings = protocolDifferences(plotted);
  if (notWeightOnly > 0)
    set.notes.push_back(std::to_string(notWeightOnly) +
                        " run(s) of W+A and KV series are left out on the bits-per-weight axis: activations and the KV "
                        "cache do not change what the weights cost (switch the x axis to bit-width to see them)");
  if (mixed > 0)
    set.notes.push_back(std::to_string(mixed) +
                        " run(s) quantize more than one tensor type (e.g. W4A16KV4) and are shown in the results table only");
  return set;
}

}  // namespace qs
