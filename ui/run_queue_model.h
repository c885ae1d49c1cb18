#pragma once
// The run queue: one row per planned run of the current sweep with its status, progress, ETA and
// throughput. Fed by the sweep controller's signals on the GUI thread.
#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QVector>

#include "ui/sweep_worker.h"

namespace qs {

enum class QueueStatus { Queued, Running, Done, AlreadyDone, Failed, Cancelled };
QString queueStatusName(QueueStatus status);

struct QueueRow {
  QString model;  // folder name
  QString modelDir;
  QString quantConfig;
  QString task;
  QueueStatus status = QueueStatus::Queued;
  double progress = 0;  // 0..1
  double etaSeconds = -1;
  double tokensPerSecond = 0;  // of this run, once finished
  double wallSeconds = 0;
  qint64 runId = -1;  // the database run, once its progress named it
  QString message;  // why it failed
};

class RunQueueModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Model, Config, Task, Status, Progress, Eta, TokensPerSecond, ColumnCount };
  static constexpr int kProgressRole = Qt::UserRole + 1;  // 0..1 as double

  explicit RunQueueModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  const QueueRow& row(int index) const { return rows_[index]; }
  int countWithStatus(QueueStatus status) const;
  // Seconds until every queued and running row is done: the running rows' ETA plus the mean wall
  // time of the rows finished in this sweep for each queued row; -1 while unknown.
  double remainingSeconds() const;

 public Q_SLOTS:
  void setPlan(const QVector<qs::PlannedRun>& points);
  void markStarted(int index);
  // The row's own progress; its ETA is extrapolated from the time since markStarted (or
  // `elapsedSeconds` when given: tests). The sweep-wide estimate is remainingSeconds().
  void updateProgress(int index, const qs::SweepProgress& progress, double elapsedSeconds = -1);
  // Tokens per second of a finished run, measured by the runner (tokens processed / wall time):
  // shown in the row that ran it, found by the run id its progress reported.
  void setMeasuredThroughput(qint64 runId, double tokensPerSecond);
  void markFinished(int index, qs::PointOutcome outcome, const QString& message);
  // A queued row shows Cancelled at once; a running one keeps running until the worker reports.
  void markCancelRequested(int index);
  // Rows still queued or running become Cancelled (after the worker stopped).
  void cancelUnfinished();
  void clear();

 private:
  void changed(int index);

  QVector<QueueRow> rows_;
  QVector<QElapsedTimer> clocks_;
};

QString formatDuration(double seconds);  // "1:05:09", "4:07", "—" when < 0

}  // namespace qs
