#pragma once
// Owns the worker thread of a sweep: starts it, cancels one point or all, and stops the thread
// (cancel + join) when destroyed. Lives on the GUI thread; re-emits the worker's queued signals.
#include <QObject>
#include <QThread>
#include <memory>

#include "ui/sweep_worker.h"

namespace qs {

class SweepController : public QObject {
  Q_OBJECT
 public:
  explicit SweepController(QObject* parent = nullptr);
  ~SweepController() override;

  // False (and nothing started) while a sweep is running.
  bool start(const QString& database, const SweepSpec& spec);
  bool running() const { return running_; }
  void cancelPoint(int index);
  void cancelAll();
  // Cancels and waits for the thread; true when it stopped within `ms`.
  bool stop(int ms = 5000);

 Q_SIGNALS:
  void planned(const QVector<qs::PlannedRun>& points);
  void planFailed(const QString& message);
  void pointStarted(int index);
  void pointProgress(int index, const qs::SweepProgress& progress);
  void pointFinished(int index, qs::PointOutcome outcome, const QString& message);
  void runStored(qint64 runId);
  void logMessage(const QString& level, const QString& text);
  void finished(bool cancelled);

 private:
  QThread thread_;
  SweepWorker* worker_ = nullptr;  // lives on thread_, deleted when it finishes
  std::shared_ptr<SweepControl> control_;
  bool running_ = false;
};

}  // namespace qs
