#pragma once
// "Figure set": every chart of a database written at once: a curves chart per task and metric
// (absolute and relative to FP16), a layer x tensor heatmap per (model, config) and statistic,
// the paper-layout tables (tasks/report/results_table: absolute and relative to FP16) and the per-run
// results table as CSV, LaTeX and Markdown.
#include <QString>
#include <QStringList>

#include <functional>

#include "ui/figure_export.h"

namespace qs {

class ExperimentStore;
struct ExperimentSnapshot;

struct FigureSetResult {
  QStringList written;   // files, in the order written
  QStringList problems;  // "file: what went wrong"; the rest is still written
  bool cancelled = false;  // the progress callback asked to stop; `written` holds what was done
};

// Called before each file with the files done so far, the total and the next file's name; return
// false to stop. The workbench shows a progress dialog with it and keeps its window responsive
// (charts are drawn with Qt's GUI classes, so the work stays on the GUI thread, one file per step).
using FigureSetProgress = std::function<bool(int done, int total, const QString& file)>;

// formats: any of "png", "svg", "pdf". The list of files is planned first (reading the database),
// then each is written.
FigureSetResult exportFigureSet(const ExperimentStore& store, const ExperimentSnapshot& snapshot, const QString& dir,
                                const QStringList& formats, const FigureSize& size,
                                const FigureSetProgress& progress = {});

// A file-name-safe version of a label: letters, digits, '-', '_', '.'; others become '_'.
QString safeFileName(const QString& label);

}  // namespace qs
