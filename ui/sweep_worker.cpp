// The one file that calls the engine's SweepRunner.
#include "ui/sweep_worker.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"

namespace qs {

void SweepControl::cancelPoint(int index) {
  if (index >= 0 && index < pointCount.load(std::memory_order_acquire)) points[index]->cancel();
}

void SweepControl::cancelAll() {
  all.cancel();
  const int n = pointCount.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) points[i]->cancel();
}

SweepWorker::SweepWorker(std::shared_ptr<SweepControl> control, QObject* parent)
    : QObject(parent), control_(std::move(control)) {}

void SweepWorker::run(const QString& database, const SweepSpec& spec) {
  std::vector<PlannedRun> plan;
  try {
    plan = SweepRunner(database.toStdString(), spec).plan();
  } catch (const std::exception& e) {  // qs::Error and filesystem errors alike reach the user
    Q_EMIT planFailed(QString::fromUtf8(e.what()));
    Q_EMIT finished(false);
    return;
  }
  control_->points.clear();
  for (size_t i = 0; i < plan.size(); ++i) control_->points.push_back(std::make_unique<CancelToken>());
  control_->pointCount.store(static_cast<int>(plan.size()), std::memory_order_release);
  if (control_->all.cancelled()) control_->cancelAll();  // a cancel that came while planning
  Q_EMIT planned(QVector<PlannedRun>(plan.begin(), plan.end()));

  for (int i = 0; i < static_cast<int>(plan.size()); ++i) {
    QString message;
    PointOutcome outcome = PointOutcome::Cancelled;
    if (plan[i].alreadyDone)
      outcome = PointOutcome::AlreadyDone;
    else if (!control_->points[i]->cancelled())
      outcome = runPoint(database, spec, plan[i], i, message);
    Q_EMIT pointFinished(i, outcome, message);
  }
  Q_EMIT finished(control_->all.cancelled());
}

PointOutcome SweepWorker::runPoint(const QString& database, const SweepSpec& spec, const PlannedRun& point,
                                   int index, QString& message) {
  Q_EMIT pointStarted(index);
  SweepSpec one = spec;
  one.models = {point.model};
  one.quantConfigs = {point.quantConfig};
  one.tasks = {point.task};
  one.shardIndex = 0;
  one.shardCount = 1;

  using Clock = std::chrono::steady_clock;
  auto lastEmit = Clock::now() - std::chrono::seconds(1);
  SweepCallbacks callbacks;
  callbacks.progress = [&](const SweepProgress& p) {
    const auto now = Clock::now();
    if (now - lastEmit < std::chrono::milliseconds(100) && p.fraction < 1.0) return;
    lastEmit = now;
    // The one-point sweep also plans the (done) FP16 baseline: report this run's own fraction.
    SweepProgress row = p;
    if (p.runsTotal > 0) row.fraction = std::clamp(p.fraction * p.runsTotal - p.runsDone, 0.0, 1.0);
    Q_EMIT pointProgress(index, row);
  };
  callbacks.runFinished = [this](int64_t runId) { Q_EMIT runStored(runId); };
  callbacks.log = [this](const std::string& level, const std::string& text) {
    Q_EMIT logMessage(QString::fromStdString(level), QString::fromStdString(text));
  };
  try {
    SweepSummary summary = SweepRunner(database.toStdString(), one).run(callbacks, *control_->points[index]);
    if (summary.cancelled) return PointOutcome::Cancelled;
    if (summary.runsFailed > 0) {
      message = "the run failed: see the log";
      return PointOutcome::Failed;
    }
    return summary.runsCompleted == 0 && summary.runsSkipped > 0 ? PointOutcome::AlreadyDone : PointOutcome::Done;
  } catch (const Cancelled&) {
    return PointOutcome::Cancelled;
  } catch (const std::exception& e) {
    message = QString::fromUtf8(e.what());
    return PointOutcome::Failed;
  }
}

}  // namespace qs

#include "moc_sweep_worker.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
