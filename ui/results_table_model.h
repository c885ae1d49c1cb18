#pragma once
// The results table: one row per (run, metric) of a snapshot, with the run's model, config, task,
// the value ± stderr and its change against the model's FP16 baseline; runs without metrics
// (failed, interrupted, queued) get one row. Qt::UserRole holds sortable raw values. A task whose
// runs differ in protocol (perplexity window, few-shot count, seed, ...) gets a warning icon with
// what differs on its cells and on the Task header.
#include <QAbstractTableModel>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qs {

struct ExperimentSnapshot;

class ResultsTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { RunId, Model, Config, Type, Task, Metric, Value, StdError, Delta, Samples, Status, Device, Wall, ColumnCount };
  static constexpr int kSortRole = Qt::UserRole;
  static constexpr int kRunIdRole = Qt::UserRole + 1;

  explicit ResultsTableModel(QObject* parent = nullptr);
  void setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  qint64 runIdAt(int row) const;
  // What differs between the done runs of each task label; only labels with differences.
  const std::map<std::string, std::vector<std::string>>& protocolWarnings() const { return protocolWarnings_; }

 private:
  struct Row {
    size_t run;     // index into snapshot_->runs
    int metric;     // index into its metrics, -1 for a run without metrics
    double delta;   // % change vs baseline, NaN when there is none
  };
  QVariant cell(const Row& row, int column, bool raw) const;

  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  std::vector<Row> rows_;
  std::map<std::string, std::vector<std::string>> protocolWarnings_;
};

// "⚠ Runs of arc_easy differ in protocol: ..." for tooltips; "" when the task has no warning.
QString protocolWarningText(const std::map<std::string, std::vector<std::string>>& warnings, const std::string& task);

}  // namespace qs
