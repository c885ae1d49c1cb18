#include "ui/figure_set.h"

#include <QChart>
#include <QDir>
#include <QFile>
#include <functional>
#include <memory>
#include <vector>
#include <set>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "tasks/report/result_points.h"
#include "tasks/report/results_table.h"
#include "ui/curve_chart.h"
#include "ui/curve_data.h"
#include "ui/experiment_snapshot.h"
#include "ui/heatmap_data.h"
#include "ui/heatmap_view.h"
#include "ui/results_table_model.h"
#include "ui/table_export.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// One file to write; planned first so that the progress has a total.
struct Job {
  QString file;
  std::function<void(const QString&)> write;
};

struct Plan {
  std::vector<Job> jobs;
  FigureSetResult& result;  // problems found while planning
  template <typename Write>
  void add(const QString& file, Write write) {
    jobs.push_back({file, std::function<void(const QString&)>(std::move(write))});
  }
};

void curves(const ExperimentSnapshot& snapshot, const QDir& dir, const QStringList& formats, const FigureSize& size,
            Plan& plan) {
  for (const auto& task : snapshot.tasks())
    for (const auto& metric : snapshot.metricNames(task))
      for (bool relative : {false, true}) {
        CurveOptions options;
        options.task = task;
        options.metric = metric;
        options.relative = relative;
        CurveSet set = buildCurves(snapshot, options);
        if (set.series.empty() && set.baselines.empty()) continue;
        ChartStyle style = ChartStyle::publication();
        style.title = q(task + ": " + metric + " vs bit-width" + (relative ? " (relative to FP16)" : ""));
        style.logY = isPerplexityMetric(metric);
        const QString base = safeFileName(q("curves_" + task + "_" + metric + (relative ? "_relative" : "")));
        for (const auto& format : formats)
          plan.add(dir.filePath(base + "." + format), [set, style, size](const QString& f) {
            std::unique_ptr<QChart> chart(makeCurveChart(set, style));
            exportChart(chart.get(), f, size);
          });
      }
}

void heatmaps(const ExperimentStore& store, const ExperimentSnapshot& snapshot, const QDir& dir,
              const QStringList& formats, const FigureSize& size, Plan& plan) {
  FigureSetResult& result = plan.result;
  std::set<std::pair<int64_t, std::string>> done;
  for (const auto& key : snapshot.statsKeys) {
    if (!done.insert({key.modelId, key.quantName}).second) continue;
    StatsQuery query;
    query.modelId = key.modelId;
    query.quantName = key.quantName;
    std::vector<LayerStatRecord> stats;
    std::string calibration;  // the first calibration of this (model, config), with the weights
    try {
      for (auto& s : store.layerStats(query)) {
        if (!s.key.calibration.empty() && calibration.empty()) calibration = s.key.calibration;
        if (s.key.calibration.empty() || s.key.calibration == calibration) stats.push_back(std::move(s));
      }
    } catch (const Error& e) {
      result.problems << q(e.what());
      continue;
    }
    const StatsKey shown{key.modelId, key.quantName, ""};
    for (StatMetric metric : {StatMetric::Kurtosis, StatMetric::AbsMax, StatMetric::Std, StatMetric::OutlierRatio}) {
      HeatmapMatrix m = layerTensorMatrix(stats, metric);
      if (m.empty()) continue;
      m.title = statsKeyLabel(snapshot, shown) + ": " + statMetricName(metric);
      const std::string metricFile = metric == StatMetric::Kurtosis ? "kurtosis" : metric == StatMetric::AbsMax ? "absmax"
                                     : metric == StatMetric::Std    ? "std" : "outlier_ratio";
      const QString base = safeFileName(q("heatmap_" + snapshot.modelName(key.modelId) + "_" +
                                          (key.quantName.empty() ? "unquantized" : key.quantName) + "_" + metricFile));
      const bool logScale = metric != StatMetric::OutlierRatio;
      for (const auto& format : formats)
        plan.add(dir.filePath(base + "." + format), [m, logScale, size](const QString& f) { exportHeatmap(m, logScale, f, size); });
    }
  }
}

void writeText(const QString& file, const std::string& text) {
  QFile out(file);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
      out.write(text.data(), qint64(text.size())) != qint64(text.size()))
    throw Error((file + ": cannot write: " + out.errorString()).toStdString());
}

// The paper-layout tables of tasks/report/results_table: configs x task/metric, absolute and relative.
void paperTables(const ExperimentStore& store, const QDir& dir, Plan& plan) {
  std::vector<ResultPoint> points;
  try {
    points = collectResultPoints(store);
  } catch (const Error& e) {
    plan.result.problems << q(e.what());
    return;
  }
  if (points.empty()) return;
  for (bool relative : {false, true}) {
    TableOptions options;
    options.relative = relative;
    options.withStdError = true;
    const ResultsTable table = buildResultsTable(points, options);
    const QString base = relative ? "paper_table_relative" : "paper_table";
    for (auto [format, suffix] : {std::pair{TableFormat::Csv, "csv"}, {TableFormat::Latex, "tex"}, {TableFormat::Markdown, "md"}})
      plan.add(dir.filePath(base + "." + suffix), [text = renderTable(table, format)](const QString& f) { writeText(f, text); });
  }
}

}  // namespace

QString safeFileName(const QString& label) {
  QString out;
  for (QChar c : label) out += (c.isLetterOrNumber() && c.unicode() < 128) || c == '-' || c == '_' || c == '.' ? c : QChar('_');
  return out;
}

FigureSetResult exportFigureSet(const ExperimentStore& store, const ExperimentSnapshot& snapshot, const QString& dirPath,
                                const QStringList& formats, const FigureSize& size, const FigureSetProgress& progress) {
  FigureSetResult result;
  QDir dir(dirPath);
  if (!dir.mkpath(".")) {
    result.problems << dirPath + ": cannot create the folder";
    return result;
  }
  Plan plan{{}, result};
  curves(snapshot, dir, formats, size, plan);
  heatmaps(store, snapshot, dir, formats, size, plan);
  paperTables(store, dir, plan);
  // The results table is rendered now, while `snapshot` is certainly alive.
  {
    ResultsTableModel table;
    table.setSnapshot(std::shared_ptr<const ExperimentSnapshot>(&snapshot, [](const ExperimentSnapshot*) {}));
    for (auto format : {TextTableFormat::Csv, TextTableFormat::Latex, TextTableFormat::Markdown}) {
      const QString suffix = format == TextTableFormat::Csv ? "csv" : format == TextTableFormat::Latex ? "tex" : "md";
      plan.add(dir.filePath("results." + suffix),
               [text = tableToText(table, format).toStdString()](const QString& f) { writeText(f, text); });
    }
  }
  const int total = static_cast<int>(plan.jobs.size());
  for (int i = 0; i < total; ++i) {
    const Job& job = plan.jobs[static_cast<size_t>(i)];
    if (progress && !progress(i, total, job.file)) {
      result.cancelled = true;
      return result;
    }
    try {
      job.write(job.file);
      result.written << job.file;
    } catch (const Error& e) {
      result.problems << q(e.what());
    }
  }
  if (progress) progress(total, total, {});
  return result;
}

}  // namespace qs
