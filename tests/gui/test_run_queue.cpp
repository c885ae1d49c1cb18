#include <QtTest/QtTest>

#include <QPushButton>
#include <QTableView>

#include "ui/run_queue_model.h"
#include "ui/run_queue_panel.h"

using namespace qs;

namespace {

QVector<PlannedRun> plan() {
  return {{"/m/opt-125m", "FP16", "arc_easy", true},
          {"/m/opt-125m", "W4A16KV16-g128", "arc_easy", false},
          {"/m/opt-125m", "W8A16KV16-g128", "arc_easy", false},
          {"/m/opt-125m", "W2A16KV16-g128", "arc_easy", false}};
}

SweepProgress progress(double fraction, double eta, double tps) {
  SweepProgress p;
  p.fraction = fraction;
  p.etaSeconds = eta;
  p.tokensPerSecond = tps;
  return p;
}

}  // namespace

class TestRunQueue : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void planBecomesRows() {
    RunQueueModel m;
    m.setPlan(plan());
    QCOMPARE(m.rowCount(), 4);
    QCOMPARE(m.index(0, RunQueueModel::Model).data().toString(), QString("opt-125m"));
    QCOMPARE(m.index(0, RunQueueModel::Status).data().toString(), QString("already done"));
    QCOMPARE(m.index(1, RunQueueModel::Status).data().toString(), QString("queued"));
    QCOMPARE(m.countWithStatus(QueueStatus::Queued), 3);
  }

  void progressEtaAndThroughput() {
    RunQueueModel m;
    m.setPlan(plan());
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.markStarted(1);
    // The runner's sweep-wide ETA (500 s) and the previous run's throughput (999) are not this row's.
    auto p = progress(0.25, 500, 999);
    p.currentRunId = 77;
    m.updateProgress(1, p, 10.0);  // a quarter done after 10 s: 30 s to go
    QCOMPARE(changed.count(), 2);
    QCOMPARE(m.index(1, RunQueueModel::Status).data().toString(), QString("running"));
    QCOMPARE(m.index(1, RunQueueModel::Progress).data(RunQueueModel::kProgressRole).toDouble(), 0.25);
    QCOMPARE(m.index(1, RunQueueModel::Progress).data().toString(), QString("25%"));
    QCOMPARE(m.index(1, RunQueueModel::Eta).data().toString(), QString("0:30"));
    QCOMPARE(m.headerData(RunQueueModel::Eta, Qt::Horizontal, Qt::DisplayRole).toString(), QString("Run ETA"));
    QCOMPARE(m.index(1, RunQueueModel::TokensPerSecond).data().toString(), QString());  // not measured yet
    m.setMeasuredThroughput(77, 812.4);
    QCOMPARE(m.index(1, RunQueueModel::TokensPerSecond).data().toString(), QString("812"));
    QCOMPARE(m.index(2, RunQueueModel::TokensPerSecond).data().toString(), QString());
    // Unknown until one run has finished: the queued rows have no estimate yet.
    QCOMPARE(m.remainingSeconds(), -1.0);
    m.markFinished(1, PointOutcome::Done, {});
    QCOMPARE(m.index(1, RunQueueModel::Status).data().toString(), QString("done"));
    QCOMPARE(m.index(1, RunQueueModel::Eta).data().toString(), QString());
    m.markStarted(2);
    m.updateProgress(2, progress(0.5, 1000, 800), 10.0);
    QVERIFY(m.remainingSeconds() >= 10.0);  // 10 s for row 2 plus row 3 at row 1's wall time
    m.markFinished(2, PointOutcome::Failed, "out of memory");
    QCOMPARE(m.index(2, RunQueueModel::Status).data(Qt::ToolTipRole).toString(), QString("out of memory"));
  }

  void cancellation() {
    RunQueueModel m;
    m.setPlan(plan());
    m.markStarted(1);
    m.markCancelRequested(1);  // running: stays running until the worker reports
    m.markCancelRequested(3);  // queued: cancelled at once
    QCOMPARE(m.row(1).status, QueueStatus::Running);
    QCOMPARE(m.row(3).status, QueueStatus::Cancelled);
    m.cancelUnfinished();
    QCOMPARE(m.row(1).status, QueueStatus::Cancelled);
    QCOMPARE(m.row(2).status, QueueStatus::Cancelled);
    QCOMPARE(m.row(0).status, QueueStatus::AlreadyDone);
  }

  void outOfRangeIndicesAreIgnored() {
    RunQueueModel m;
    m.setPlan(plan());
    m.markStarted(-1);
    m.markStarted(99);
    m.updateProgress(99, progress(1, 0, 0));
    m.markFinished(99, PointOutcome::Done, {});
    QCOMPARE(m.countWithStatus(QueueStatus::Queued), 3);
  }

  void durations() {
    QCOMPARE(formatDuration(65), QString("1:05"));
    QCOMPARE(formatDuration(3725), QString("1:02:05"));
    QCOMPARE(formatDuration(-1), QString::fromUtf8("—"));
  }

  void panelButtons() {
    RunQueueModel m;
    m.setPlan(plan());
    RunQueuePanel panel(&m);
    QSignalSpy start(&panel, &RunQueuePanel::startRequested);
    QSignalSpy cancelRows(&panel, &RunQueuePanel::cancelRowsRequested);
    QSignalSpy cancelAll(&panel, &RunQueuePanel::cancelAllRequested);
    QVERIFY(!panel.cancelAllButton()->isEnabled());
    QTest::mouseClick(panel.startButton(), Qt::LeftButton);
    QCOMPARE(start.count(), 1);
    panel.setRunning(true);
    QVERIFY(!panel.startButton()->isEnabled());
    panel.view()->selectRow(2);
    QTest::mouseClick(panel.cancelSelectedButton(), Qt::LeftButton);
    QCOMPARE(cancelRows.count(), 1);
    QCOMPARE(cancelRows[0][0].value<QList<int>>(), QList<int>({2}));
    QTest::mouseClick(panel.cancelAllButton(), Qt::LeftButton);
    QCOMPARE(cancelAll.count(), 1);
  }
};

QTEST_MAIN(TestRunQueue)
#include "test_run_queue.moc"
