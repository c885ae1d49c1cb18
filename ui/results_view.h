#pragma once
// The Results tab: the results table (sortable, filterable, copyable) and the details of the
// selected run: config, versions, timings, error, metrics and its log.
#include <QWidget>
#include <memory>

class QAction;
class QComboBox;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTextBrowser;

namespace qs {

class ExperimentStore;
struct ExperimentSnapshot;
class FlipsDialog;
class PaperTableModel;
class ResultsTableModel;

class ResultsView : public QWidget {
  Q_OBJECT
 public:
  explicit ResultsView(QWidget* parent = nullptr);

  void setSource(const ExperimentStore* store, std::shared_ptr<const ExperimentSnapshot> snapshot);
  ResultsTableModel* model() const { return model_; }
  PaperTableModel* paperModel() const { return paper_; }
  // 0: one row per run and metric; 1: the paper's layout, absolute; 2: relative to FP16.
  QComboBox* layoutBox() const { return layout_; }
  // What the table shows (filtered and sorted): export and copy read this.
  QSortFilterProxyModel* proxy() const { return proxy_; }
  QTableView* table() const { return table_; }
  QLineEdit* filterEdit() const { return filter_; }
  QString detailsHtml() const;
  // "Compare with FP16…" (button and context menu): enabled for a finished quantized run.
  QAction* compareAction() const { return compare_; }
  QPushButton* compareButton() const { return compareButton_; }
  // The run the table's current row shows (-1: none, or the paper layout).
  qint64 currentRunId() const;

  // Writes the table as shown (.csv, .tex, .md). The paper layout, unfiltered, is written by
  // tasks/report/results_table's renderers (also .json): the same file `quantscope-cli export` writes.
  // Throws qs::Error naming the file.
  void exportShown(const QString& file) const;

  // The distinct runs of the selected rows, in row order (the per-run layout only; the paper
  // layout's rows are not runs).
  QList<qint64> selectedRunIds() const;

  // The selected rows (or all rows when none is selected) as tab-separated text with a header.
  QString selectionAsTsv() const;

 public Q_SLOTS:
  void copySelection() const;
  void setLayoutIndex(int index);
  void showRun(qint64 runId);
  // Opens the flipped items of the run against its FP16 run (a dialog that loads in the background).
  FlipsDialog* compareWithBaseline(qint64 runId);

 private:
  const ExperimentStore* store_ = nullptr;
  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  ResultsTableModel* model_ = nullptr;
  PaperTableModel* paper_ = nullptr;
  QComboBox* layout_ = nullptr;
  QSortFilterProxyModel* proxy_ = nullptr;
  QTableView* table_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QTextBrowser* details_ = nullptr;
  QAction* compare_ = nullptr;
  QPushButton* compareButton_ = nullptr;
  qint64 shownRun_ = -1;

  void updateCompareAction();
};

// The run's record, protocol, metrics and log as HTML (used by the details pane).
QString runDetailsHtml(const ExperimentStore* store, const ExperimentSnapshot& snapshot, qint64 runId);

}  // namespace qs
