#pragma once
// "Figure set": every chart of a database written at once: a curves chart per task and metric
// (absolute and relative to FP16), a layer x tensor heatmap per (model, config) and statistic,
// the paper-layout tables (tasks/report/results_table: absolute and relative to FP16) and the per-run
// results table as CSV, LaTeX and Markdown.
#include <QString>
#include <QStringList>

#include "ui/figure_export.h"

namespace qs {

class ExperimentStore;
struct ExperimentSnapshot;

struct FigureSetResult {
  QStringList written;   // files, in the order written
  QStringList problems;  // "file: what went wrong"; the rest is still written
};

// formats: any of "png", "svg", "pdf".
FigureSetResult exportFigureSet(const ExperimentStore& store, const ExperimentSnapshot& snapshot, const QString& dir,
                                const QStringList& formats, const FigureSize& size);

// A file-name-safe version of a label: letters, digits, '-', '_', '.'; others become '_'.
QString safeFileName(const QString& label);

}  // namespace qs
