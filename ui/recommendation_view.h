#pragma once
// The Recommendation tab (tasks/report/recommendation.h in a window): for each model and task
// kind, the cheapest weight-only, weight-activation, KV-cache and overall configuration whose loss
// against FP16 stays within a budget, the configurations ranked by bits per weight with their loss
// per task (* = more than noise), and plain-language notes. Computed off the GUI thread: it reads
// every run's per-item results.
#include <QTimer>
#include <QWidget>
#include <memory>
#include <vector>

#include "tasks/report/recommendation.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace qs {

struct ExperimentSnapshot;

class RecommendationView : public QWidget {
  Q_OBJECT
 public:
  explicit RecommendationView(QWidget* parent = nullptr);

  // Recomputes for the snapshot's database (its file is read on a worker thread), at once when the
  // tab is shown, else when it is next shown: it reads every run's items, too much per reload.
  void setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot);
  RecommendOptions options() const;

  const std::vector<Recommendation>& recommendations() const { return recs_; }
  bool busy() const { return busy_ || pending_ || stale_; }
  QDoubleSpinBox* budgetBox() const { return budget_; }
  // Comma-separated task names; empty = every task with a baseline.
  QLineEdit* tasksEdit() const { return tasks_; }
  // One entry per model and task kind ("all" = every kind together).
  QComboBox* groupBox() const { return group_; }
  QTableWidget* table() const { return table_; }
  QString cheapestText() const;  // the per-category summary, as plain text
  QString notesText() const;
  // The shown group as `quantscope-cli recommend` prints it (for copying).
  QString reportText() const;

 public Q_SLOTS:
  void recompute();

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void compute();
  void setResults(std::vector<Recommendation> recs, const QString& error, const RecommendOptions& used);
  void fillGroups();
  void showGroup();

  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  std::vector<Recommendation> recs_;
  RecommendOptions used_;  // the options recs_ were computed with
  bool busy_ = false;
  bool pending_ = false;  // options or data changed while computing
  bool stale_ = false;    // a snapshot came while hidden
  QTimer debounce_;       // one computation per pause in typing / spinning
  QDoubleSpinBox* budget_ = nullptr;
  QLineEdit* tasks_ = nullptr;
  QComboBox* group_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* cheapest_ = nullptr;
  QTableWidget* table_ = nullptr;
  QLabel* notes_ = nullptr;
};

}  // namespace qs
