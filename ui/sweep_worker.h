#pragma once
// Runs a sweep on its own thread. The worker plans the sweep, then runs it with one SweepRunner
// (each model loaded once, re-quantized per configuration) in unbatched mode with a cancel token
// per planned point, so that a single queued run can be skipped and the running one cancelled
// without stopping the rest. Everything it reports reaches the GUI thread through queued signals;
// cancellation is the shared SweepControl.
#include <QObject>
#include <QString>
#include <QVector>
#include <atomic>
#include <memory>
#include <vector>

#include "core/base/cancellation.h"
#include "tasks/sweep_runner.h"

namespace qs {

// Shared by the GUI thread (which cancels) and the worker (which checks). The worker fills
// `points` once the sweep is planned and then publishes pointCount; the vector never changes after.
struct SweepControl {
  CancelToken all;
  std::vector<std::unique_ptr<CancelToken>> points;  // one per planned point, filled by the worker
  std::atomic<int> pointCount{0};                    // points.size() once planned (release/acquire)

  void cancelPoint(int index);
  void cancelAll();
};

using PointOutcome = RunOutcome;

class SweepWorker : public QObject {
  Q_OBJECT
 public:
  SweepWorker(std::shared_ptr<SweepControl> control, QObject* parent = nullptr);

  // Plans and runs the sweep; returns when every point has finished or been cancelled. Called on
  // the worker's thread (queued by SweepController). Not a slot, so that the moc code of the ui
  // library does not reference the engine: only objects that start a sweep link SweepRunner.
  void run(const QString& database, const qs::SweepSpec& spec);

 Q_SIGNALS:
  void planned(const QVector<qs::PlannedRun>& points);
  void planFailed(const QString& message);
  void pointStarted(int index);
  // Throttled to about ten a second per point.
  void pointProgress(int index, const qs::SweepProgress& progress);
  void pointFinished(int index, qs::PointOutcome outcome, const QString& message);
  void runStored(qint64 runId);
  void logMessage(const QString& level, const QString& text);
  void finished(bool cancelled);

 private:
  std::shared_ptr<SweepControl> control_;
};

}  // namespace qs

Q_DECLARE_METATYPE(qs::SweepSpec)
Q_DECLARE_METATYPE(qs::SweepProgress)
Q_DECLARE_METATYPE(qs::PlannedRun)
Q_DECLARE_METATYPE(qs::PointOutcome)
