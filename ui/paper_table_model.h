#pragma once
// The results in the paper's layout (tasks/report/results_table.h): one row per model and quantization
// config, the FP16 baseline first, one column per task/metric; absolute values or signed percent
// change against the baseline. A view of buildResultsTable over a snapshot's done runs. A column
// whose runs differ in protocol has a warning icon and says what differs in its header's tooltip.
#include <QAbstractTableModel>
#include <map>
#include <memory>

#include "tasks/report/results_table.h"

namespace qs {

struct ExperimentSnapshot;

// Every metric of every done run, labelled as tasks/report/result_points does (model folder, task with
// its limit), so this table equals `quantscope-cli export` on the same database.
std::vector<ResultPoint> resultPoints(const ExperimentSnapshot& snapshot);

class PaperTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  explicit PaperTableModel(QObject* parent = nullptr);
  void setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot);
  void setRelative(bool relative);
  const ResultsTable& table() const { return table_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  void rebuild();

  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  bool relative_ = false;
  ResultsTable table_;
  std::map<std::string, std::vector<std::string>> protocolWarnings_;  // by task label
};

}  // namespace qs
