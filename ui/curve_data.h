#pragma once
// The points of a metric-vs-bit-width chart, taken from a snapshot: one series per model and
// tensor type (W, KV, and WA per weight bit-width), the unquantized baseline of each model, values
// absolute or relative to that baseline. No Qt: the chart and the tests read this.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tasks/report/headline_metric.h"
#include "ui/quant_name.h"
#include "ui/run_significance.h"

namespace qs {

struct ExperimentSnapshot;

struct CurvePoint {
  double bits = 0;  // the x value: W: weight bits; KV: KV bits; WA: activation bits; or bits per weight
  double value = 0;
  std::optional<double> stdError;
  int64_t runId = 0;
  std::string quantName;
  std::optional<int64_t> samples;  // examples behind the value, when known
  // Paired test against the FP16 run (McNemar / paired t on the per-item results), when one was
  // possible; `significance` says the outcome or why there is none ("" = not looked at yet).
  std::optional<double> pValue;
  std::string significance;
  bool nominalCost = false;  // BitsPerWeight: from the name, the run stored no measured figure
  bool significant() const { return pValue && *pValue < 0.05; }
};

struct CurveSeries {
  // "opt-125m · W only (x = weight bits)", "opt-125m · W4 + A (x = activation bits)",
  // "opt-125m · KV only (x = KV bits) (g64)"
  std::string name;
  std::string model;
  int64_t modelId = 0;
  QuantFamily family = QuantFamily::Weight;
  std::vector<CurvePoint> points;  // ascending bits
};

struct CurveBaseline {
  std::string model;
  int64_t modelId = 0;
  double value = 0;  // 0 when relative
  std::optional<double> stdError;
  int64_t runId = 0;
  std::optional<int64_t> samples;
};

// What the x axis measures: the bit-width of the swept tensor type, or the memory cost of the
// weights in bits per weight including scales and zero points (runCost), which places formats
// (NF4 4.5, MXFP4 4.25, FP8 ~8.2), group sizes and mixed precision where they really sit.
enum class CurveXAxis { BitWidth, BitsPerWeight };

struct CurveOptions {
  std::string task;  // a task label (taskLabel(): "arc_easy", "arc_easy (limit 100)")
  std::string metric;
  bool relative = false;  // relativeChange() against the model's baseline
  // BitsPerWeight keeps the weight-only series: activations and the KV cache do not change what
  // the weights cost, so those series would stand on one x (a note says they were left out).
  CurveXAxis xAxis = CurveXAxis::BitWidth;
  std::set<QuantFamily> families{QuantFamily::Weight, QuantFamily::WeightActivation, QuantFamily::Kv};
};

struct CurveSet {
  CurveOptions options;
  bool higherIsBetter = true;
  std::vector<CurveSeries> series;
  std::vector<CurveBaseline> baselines;
  std::vector<std::string> notes;  // what was left out and why (mixed configs, missing baselines)
  // How the plotted runs differ in protocol (protocolDifferences): the chart compares them anyway.
  std::vector<std::string> protocolWarnings;
  int testedPoints = 0;       // points with a p-value against FP16
  int significantPoints = 0;  // of which p < 0.05
  // "acc", "acc: % change vs FP16 (negative = worse)" for the y axis.
  std::string valueLabel() const;
};

// significance: paired tests by run id (testAgainstBaselines), computed off the GUI thread; null or
// missing runs leave the points untested.
CurveSet buildCurves(const ExperimentSnapshot& snapshot, const CurveOptions& options,
                     const SignificanceMap* significance = nullptr);

// Percent change of value against baseline, signed so that negative is worse (as in
// tasks/report/results_table.h): 100 (v - b) / |b| when higher is better, 100 (b - v) / |b| otherwise.
double relativeChange(double value, double baseline, bool higherIsBetter);

// True for metrics drawn on a log axis by default (perplexities).
bool isPerplexityMetric(const std::string& metric);

// The metric a task's curves open on: headlineMetric (tasks/report/headline_metric.h), the one the
// recommendation judges by, so the two agree.
std::string preferredMetric(const std::vector<std::string>& names);

}  // namespace qs
