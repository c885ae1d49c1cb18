#include "ui/run_queue_model.h"

#include <QBrush>
#include <QColor>
#include <QFileInfo>
#include <algorithm>
#include <cmath>

namespace qs {

QString queueStatusName(QueueStatus s) {
  switch (s) {
    case QueueStatus::Queued: return "queued";
    case QueueStatus::Running: return "running";
    case QueueStatus::Done: return "done";
    case QueueStatus::AlreadyDone: return "already done";
    case QueueStatus::Failed: return "failed";
    case QueueStatus::Cancelled: return "cancelled";
  }
  return {};
}

QString formatDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return QString::fromUtf8("—");
  const qint64 s = qRound64(seconds);
  if (s >= 3600) return QString("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
  return QString("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

RunQueueModel::RunQueueModel(QObject* parent) : QAbstractTableModel(parent) {}

int RunQueueModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : rows_.size(); }
int RunQueueModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"Model", "Config", "Task", "Status", "Progress", "Run ETA", "Tokens/s"};
  return section >= 0 && section < ColumnCount ? names[section] : QVariant();
}

QVariant RunQueueModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rows_.size()) return {};
  const QueueRow& r = rows_[index.row()];
  if (role == kProgressRole) return r.progress;
  if (role == Qt::ToolTipRole) return r.message.isEmpty() ? QVariant() : r.message;
  if (role == Qt::ForegroundRole && index.column() == Status) {
    if (r.status == QueueStatus::Failed) return QBrush(QColor(180, 0, 0));
    if (r.status == QueueStatus::Done) return QBrush(QColor(0, 120, 0));
    return {};
  }
  if (role == Qt::TextAlignmentRole && index.column() >= Progress) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case Model: return r.model;
    case Config: return r.quantConfig;
    case Task: return r.task;
    case Status: return queueStatusName(r.status);
    case Progress: return QString("%1%").arg(qRound(r.progress * 100));
    case Eta: return r.status == QueueStatus::Running ? formatDuration(r.etaSeconds) : QString();
    case TokensPerSecond: return r.tokensPerSecond > 0 ? QString::number(r.tokensPerSecond, 'f', 0) : QString();
  }
  return {};
}

int RunQueueModel::countWithStatus(QueueStatus status) const {
  int n = 0;
  for (const auto& r : rows_) n += r.status == status;
  return n;
}

double RunQueueModel::remainingSeconds() const {
  double finishedWall = 0, remaining = 0;
  int finished = 0, queued = 0;
  for (const auto& r : rows_) {
    if (r.status == QueueStatus::Done) finishedWall += r.wallSeconds, ++finished;
    if (r.status == QueueStatus::Queued) ++queued;
    if (r.status == QueueStatus::Running) {
      if (r.etaSeconds < 0) return -1;
      remaining += r.etaSeconds;
    }
  }
  if (queued > 0) {
    if (finished == 0) return -1;
    remaining += queued * finishedWall / finished;
  }
  return remaining;
}

void RunQueueModel::setPlan(const QVector<PlannedRun>& points) {
  beginResetModel();
  rows_.clear();
  clocks_.clear();
  for (const auto& p : points) {
    QueueRow r;
    r.modelDir = QString::fromStdString(p.model.string());
    r.model = QFileInfo(r.modelDir).fileName();
    r.quantConfig = QString::fromStdString(p.quantConfig);
    r.task = QString::fromStdString(p.task);
    r.status = p.alreadyDone ? QueueStatus::AlreadyDone : QueueStatus::Queued;
    r.progress = p.alreadyDone ? 1.0 : 0.0;
    rows_.push_back(r);
  }
  clocks_.resize(rows_.size());
  endResetModel();
}

void RunQueueModel::markStarted(int i) {
  if (i < 0 || i >= rows_.size()) return;
  rows_[i].status = QueueStatus::Running;
  clocks_[i].start();
  changed(i);
}

void RunQueueModel::updateProgress(int i, const SweepProgress& p, double elapsedSeconds) {
  if (i < 0 || i >= rows_.size()) return;
  QueueRow& r = rows_[i];
  // Never backwards: the engine restarts its count for each phase of a run (rounds, judging).
  r.progress = std::max(r.progress, std::clamp(p.fraction, 0.0, 1.0));
  if (p.currentRunId >= 0) r.runId = p.currentRunId;
  // The runner's own figures describe the whole sweep (ETA) and the previous run (tokens per
  // second); the row shows this run's: its elapsed time extrapolated over its progress.
  const double elapsed = elapsedSeconds >= 0 ? elapsedSeconds : clocks_[i].isValid() ? clocks_[i].elapsed() / 1000.0 : -1;
  r.etaSeconds = r.progress >= 0.01 && elapsed >= 0 ? elapsed * (1 - r.progress) / r.progress : -1;
  changed(i);
}

void RunQueueModel::setMeasuredThroughput(qint64 runId, double tokensPerSecond) {
  for (int i = 0; i < rows_.size(); ++i)
    if (rows_[i].runId == runId) {
      rows_[i].tokensPerSecond = tokensPerSecond;
      changed(i);
    }
}

void RunQueueModel::markFinished(int i, PointOutcome outcome, const QString& message) {
  if (i < 0 || i >= rows_.size()) return;
  QueueRow& r = rows_[i];
  r.message = message;
  if (clocks_[i].isValid()) r.wallSeconds = clocks_[i].elapsed() / 1000.0;
  switch (outcome) {
    case PointOutcome::Done: r.status = QueueStatus::Done, r.progress = 1; break;
    case PointOutcome::AlreadyDone: r.status = QueueStatus::AlreadyDone, r.progress = 1; break;
    case PointOutcome::Failed: r.status = QueueStatus::Failed; break;
    case PointOutcome::Cancelled: r.status = QueueStatus::Cancelled; break;
  }
  r.etaSeconds = -1;
  changed(i);
}

void RunQueueModel::markCancelRequested(int i) {
  if (i < 0 || i >= rows_.size() || rows_[i].status != QueueStatus::Queued) return;
  rows_[i].status = QueueStatus::Cancelled;
  changed(i);
}

void RunQueueModel::cancelUnfinished() {
  for (int i = 0; i < rows_.size(); ++i)
    if (rows_[i].status == QueueStatus::Queued || rows_[i].status == QueueStatus::Running) {
      rows_[i].status = QueueStatus::Cancelled;
      changed(i);
    }
}

void RunQueueModel::clear() {
  beginResetModel();
  rows_.clear();
  clocks_.clear();
  endResetModel();
}

void RunQueueModel::changed(int i) { Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1)); }

}  // namespace qs

#include "moc_run_queue_model.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
