// The one file that calls the engine's SweepRunner.
#include "ui/sweep_worker.h"

#include <algorithm>
#include <chrono>

#include "core/base/error.h"

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

  std::vector<bool> reported(plan.size(), false);
  auto finish = [&](int index, PointOutcome outcome, const QString& message) {
    if (index < 0 || index >= static_cast<int>(plan.size()) || reported[index]) return;
    reported[index] = true;
    Q_EMIT pointFinished(index, outcome, message);
  };
  for (int i = 0; i < static_cast<int>(plan.size()); ++i)
    if (plan[i].alreadyDone) finish(i, PointOutcome::AlreadyDone, {});

  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> lastEmit(plan.size(), Clock::now() - std::chrono::seconds(1));
  SweepCallbacks callbacks;
  callbacks.runCancel = [this](int index) -> const CancelToken* {
    return index >= 0 && index < control_->pointCount.load(std::memory_order_acquire) ? control_->points[index].get()
                                                                                      : nullptr;
  };
  callbacks.runStarted = [this](int index) { Q_EMIT pointStarted(index); };
  callbacks.progress = [&](const SweepProgress& p) {
    if (p.planIndex < 0 || p.planIndex >= static_cast<int>(plan.size())) return;
    const auto now = Clock::now();
    if (now - lastEmit[p.planIndex] < std::chrono::milliseconds(100) && p.runFraction < 1.0) return;
    lastEmit[p.planIndex] = now;
    SweepProgress row = p;
    row.fraction = std::clamp(p.runFraction, 0.0, 1.0);  // the queue shows each run's own progress
    Q_EMIT pointProgress(p.planIndex, row);
  };
  callbacks.runEnded = [&](int index, RunOutcome outcome, const std::string& message) {
    finish(index, outcome, QString::fromStdString(message));
  };
  callbacks.runFinished = [this](int64_t runId) { Q_EMIT runStored(runId); };
  callbacks.log = [this](const std::string& level, const std::string& text) {
    Q_EMIT logMessage(QString::fromStdString(level), QString::fromStdString(text));
  };

  SweepSpec unbatched = spec;
  unbatched.batchTasks = false;  // each queued run is cancellable on its own
  QString failure;
  try {
    SweepRunner(database.toStdString(), unbatched).run(callbacks, control_->all);
  } catch (const Cancelled&) {
  } catch (const std::exception& e) {  // e.g. the model could not be loaded: every run not done fails
    failure = QString::fromUtf8(e.what());
    Q_EMIT logMessage("error", failure);
  }
  for (int i = 0; i < static_cast<int>(plan.size()); ++i)
    finish(i, failure.isEmpty() ? PointOutcome::Cancelled : PointOutcome::Failed, failure);
  Q_EMIT finished(control_->all.cancelled());
}

}  // namespace qs

#include "moc_sweep_worker.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
