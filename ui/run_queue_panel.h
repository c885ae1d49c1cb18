#pragma once
// The run queue dock: the planned run count before a sweep starts, then one row per run with a
// progress bar; start, cancel the selected runs, cancel all.
#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace qs {

class RunQueueModel;

class RunQueuePanel : public QWidget {
  Q_OBJECT
 public:
  explicit RunQueuePanel(RunQueueModel* model, QWidget* parent = nullptr);

  void setSummary(const QString& html);
  void setRunning(bool running);
  // Selected rows, ascending.
  QList<int> selectedRows() const;
  QTableView* view() const { return view_; }
  QPushButton* startButton() const { return start_; }
  QPushButton* cancelSelectedButton() const { return cancelSelected_; }
  QPushButton* cancelAllButton() const { return cancelAll_; }

 Q_SIGNALS:
  void startRequested();
  void cancelRowsRequested(const QList<int>& rows);
  void cancelAllRequested();

 private:
  QTableView* view_ = nullptr;
  QLabel* summary_ = nullptr;
  QPushButton* start_ = nullptr;
  QPushButton* cancelSelected_ = nullptr;
  QPushButton* cancelAll_ = nullptr;
};

}  // namespace qs
