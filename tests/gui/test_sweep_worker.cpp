// The sweep on its worker thread, with the real engine on the tiny stories260K model: results
// arrive by queued signals, the GUI event loop stays responsive, cancel stops within a second.
#include <QtTest/QtTest>

#include <algorithm>
#include <vector>

#include <QElapsedTimer>
#include <QTimer>

#include "core/store/experiment_store.h"
#include "tests/support/test_support.h"
#include "ui/run_queue_model.h"
#include "ui/sweep_controller.h"

namespace {

namespace fs = std::filesystem;
using namespace qs;

fs::path model() { return test::sharedDir() / "models" / "stories260K"; }

constexpr int64_t kLatencyLimit = 200;

// Per-channel weights: stories260K's dimensions (64, 172) are not multiples of 128.
SweepSpec spec(int64_t limit, std::vector<std::string> configs = {"W4A16KV16-pc"}) {
  SweepSpec s;
  s.models = {model()};
  s.quantConfigs = std::move(configs);
  s.tasks = {"arc_easy"};
  s.limit = limit;
  s.layerStatistics = false;
  return s;
}

// How late the GUI thread's event loop ran a 5 ms timer: each gap between two timeouts beyond the
// interval is the time an event waited.
class LatencyProbe : public QObject {
 public:
  LatencyProbe() {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(kIntervalMs);
    connect(&timer_, &QTimer::timeout, this, [this] {
      if (clock_.isValid()) delaysMs_.push_back(std::max(0.0, clock_.nsecsElapsed() / 1e6 - kIntervalMs));
      clock_.restart();
    });
    timer_.start();
  }
  double worstMs() const { return delaysMs_.empty() ? 0 : *std::max_element(delaysMs_.begin(), delaysMs_.end()); }
  double percentileMs(double p) const {
    if (delaysMs_.empty()) return 0;
    std::vector<double> sorted = delaysMs_;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
  }
  size_t samples() const { return delaysMs_.size(); }

 private:
  static constexpr int kIntervalMs = 5;
  QTimer timer_;
  QElapsedTimer clock_;
  std::vector<double> delaysMs_;
};

struct Recorder {
  QVector<PlannedRun> plan;
  QMap<int, PointOutcome> outcomes;
  QMap<int, QString> messages;
  int progressSignals = 0;
  int modelLoads = 0;  // "loading <model>" log lines
  QList<qint64> stored;
  bool finished = false;
  bool cancelled = false;
  qint64 finishedAtMs = -1;
  QElapsedTimer clock;

  void attach(SweepController& c) {
    clock.start();
    QObject::connect(&c, &SweepController::planned, [this](const QVector<PlannedRun>& p) { plan = p; });
    QObject::connect(&c, &SweepController::pointProgress, [this](int, const SweepProgress&) { ++progressSignals; });
    QObject::connect(&c, &SweepController::pointFinished, [this](int i, PointOutcome o, const QString& m) {
      outcomes[i] = o;
      messages[i] = m;
    });
    QObject::connect(&c, &SweepController::runStored, [this](qint64 id) { stored << id; });
    QObject::connect(&c, &SweepController::logMessage, [this](const QString&, const QString& text) {
      if (text.startsWith("loading ")) ++modelLoads;
    });
    QObject::connect(&c, &SweepController::finished, [this](bool wasCancelled) {
      finished = true;
      cancelled = wasCancelled;
      finishedAtMs = clock.elapsed();
    });
  }
};

}  // namespace

class TestSweepWorker : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void init() {
    if (!fs::exists(model() / "model.safetensors")) QSKIP("shared/models/stories260K not found");
  }

  void sweepRunsOffTheGuiThread() {
    const auto db = test::freshTempDir("gui_sweep_run") / "sweep.qsdb";
    SweepController controller;
    Recorder r;
    r.attach(controller);
    // 200 items of the real ARC-Easy test set: the runs last seconds, so the probe gathers hundreds
    // of samples (the 4-item bundled sample finished in ~0.1 s, around 20 samples, too few to trust).
    SweepSpec measured = spec(kLatencyLimit);
    measured.dataDir = test::sharedDir() / "data";
    LatencyProbe probe;
    QVERIFY(controller.start(QString::fromStdString(db.string()), measured));
    QVERIFY(controller.running());
    QVERIFY(!controller.start(QString::fromStdString(db.string()), measured));  // one at a time
    QTRY_VERIFY_WITH_TIMEOUT(r.finished, 300000);
    QVERIFY(!r.cancelled);
    QCOMPARE(r.plan.size(), 2);  // the FP16 baseline first, then W4
    QCOMPARE(r.plan[0].quantConfig, std::string("FP16"));
    QCOMPARE(r.outcomes.value(0), PointOutcome::Done);
    QVERIFY2(r.outcomes.value(1) == PointOutcome::Done, qPrintable(r.messages.value(1)));
    QCOMPARE(r.stored.size(), 2);
    QCOMPARE(r.modelLoads, 1);  // one model, loaded once for both runs
    QVERIFY(r.progressSignals > 0);
    qInfo("GUI event-loop latency while the sweep ran: p99 %.1f ms (target < 50 ms), worst %.1f ms, %zu samples",
          probe.percentileMs(0.99), probe.worstMs(), probe.samples());
    QVERIFY(probe.samples() > 20);
    QVERIFY(probe.percentileMs(0.99) < 50);

    ExperimentStore store(db, ExperimentStore::Mode::ReadOnly);
    const auto runs = store.listRuns();
    QCOMPARE(int(runs.size()), 2);
    for (const auto& run : runs) {
      QCOMPARE(run.status, RunStatus::Done);
      QCOMPARE(run.limit, kLatencyLimit);
      QVERIFY(!store.metrics(run.id).empty());
    }

    // The same sweep again: nothing to do.
    Recorder again;
    again.attach(controller);
    QVERIFY(controller.start(QString::fromStdString(db.string()), measured));
    QTRY_VERIFY_WITH_TIMEOUT(again.finished, 60000);
    QCOMPARE(again.outcomes.value(0), PointOutcome::AlreadyDone);
    QCOMPARE(again.outcomes.value(1), PointOutcome::AlreadyDone);
  }

  void cancelAllStopsWithinASecond() {
    const auto db = test::freshTempDir("gui_sweep_cancel") / "sweep.qsdb";
    SweepController controller;
    Recorder r;
    r.attach(controller);
    int started = -1;
    QObject::connect(&controller, &SweepController::pointStarted, [&](int i) { started = i; });
    // Every item of the real ARC-Easy test set: a run far longer than the wait for its progress,
    // so the cancel lands inside it (the bundled sample can finish between the two).
    SweepSpec longSpec = spec(0);
    longSpec.dataDir = test::sharedDir() / "data";
    QVERIFY(controller.start(QString::fromStdString(db.string()), longSpec));
    QTRY_VERIFY_WITH_TIMEOUT(started >= 0 && r.progressSignals > 2, 120000);
    const qint64 cancelAt = r.clock.elapsed();
    controller.cancelAll();
    QTRY_VERIFY_WITH_TIMEOUT(r.finished, 10000);
    const qint64 stopMs = r.finishedAtMs - cancelAt;
    // The design target is 1 s (the engine checks between batches); the assertion allows twice
    // that because the suite also runs beside builds on 2 shared cores, where a batch of real ARC
    // items can take longer. What it guards against is a cancel that waits for the run to end.
    qInfo("cancel to finished: %lld ms (target 1000 ms, limit 2000 ms)", stopMs);
    if (stopMs >= 1000) qWarning("cancel took %lld ms, over the 1 s target (a loaded machine?)", stopMs);
    QVERIFY(stopMs < 2000);
    QVERIFY(r.cancelled);
    QCOMPARE(r.outcomes.value(started), PointOutcome::Cancelled);
    // The run that was going is marked interrupted; runs before it finished normally.
    ExperimentStore store(db, ExperimentStore::Mode::ReadOnly);
    const auto runs = store.listRuns();
    QCOMPARE(int(runs.size()), started + 1);
    QCOMPARE(runs.back().status, RunStatus::Interrupted);
    for (size_t i = 0; i + 1 < runs.size(); ++i) QCOMPARE(runs[i].status, RunStatus::Done);
  }

  void cancellingOneQueuedRunSkipsOnlyIt() {
    const auto db = test::freshTempDir("gui_sweep_skip") / "sweep.qsdb";
    SweepController controller;
    Recorder r;
    r.attach(controller);
    // Cancel point 1 as soon as the plan is known, before it can start.
    QObject::connect(&controller, &SweepController::planned, &controller, [&] { controller.cancelPoint(1); });
    QVERIFY(controller.start(QString::fromStdString(db.string()), spec(2, {"W4A16KV16-pc", "W8A16KV16-pc"})));
    QTRY_VERIFY_WITH_TIMEOUT(r.finished, 300000);
    QCOMPARE(r.plan.size(), 3);
    QCOMPARE(r.outcomes.value(0), PointOutcome::Done);
    QCOMPARE(r.outcomes.value(1), PointOutcome::Cancelled);
    QCOMPARE(r.outcomes.value(2), PointOutcome::Done);
    QVERIFY(!r.cancelled);
    ExperimentStore store(db, ExperimentStore::Mode::ReadOnly);
    QCOMPARE(int(store.listRuns().size()), 2);
  }

  void badSpecIsReportedNotThrown() {
    const auto db = test::freshTempDir("gui_sweep_bad") / "sweep.qsdb";
    SweepController controller;
    Recorder r;
    r.attach(controller);
    QString failure;
    QObject::connect(&controller, &SweepController::planFailed, [&](const QString& m) { failure = m; });
    SweepSpec s = spec(2);
    s.tasks = {"no_such_task"};
    QVERIFY(controller.start(QString::fromStdString(db.string()), s));
    QTRY_VERIFY_WITH_TIMEOUT(r.finished, 60000);
    QVERIFY2(failure.contains("no_such_task"), qPrintable(failure));
    QVERIFY(!controller.running());
  }
};

QTEST_MAIN(TestSweepWorker)
#include "test_sweep_worker.moc"
