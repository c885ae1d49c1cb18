// The whole window: opening a database fills the views; the panels' selection gives the run
// count; a sweep started from the window lands in the database and the views reload.
#include <QtTest/QtTest>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QScrollArea>
#include <QDir>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <fstream>

#include "tasks/run_provenance.h"
#include "core/store/experiment_store.h"
#include "tests/gui/gui_test_data.h"
#include "tests/support/test_support.h"
#include "ui/curves_view.h"
#include "ui/experiment_snapshot.h"
#include "ui/heatmap_table_model.h"
#include "ui/heatmap_view.h"
#include "ui/help_dialog.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"
#include "ui/quant_panel.h"
#include "ui/results_table_model.h"
#include "ui/results_view.h"
#include "ui/run_queue_model.h"
#include "ui/run_queue_panel.h"
#include "ui/sweep_controller.h"
#include "ui/task_panel.h"

namespace {
namespace fs = std::filesystem;
using namespace qs;
}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // On a server without a display, --help and --version print and exit 0 instead of aborting in
  // the Qt platform plugin.
  void helpWithoutADisplay() {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.remove("DISPLAY");
    env.remove("WAYLAND_DISPLAY");
    env.remove("QT_QPA_PLATFORM");
    p.setProcessEnvironment(env);
    const QString exe = QString::fromStdString((qs::test::binaryDir() / "app" / "quantscope").string());
    p.start(exe, {"--help"});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(out.contains("Usage: quantscope") && out.contains("--screenshot"), qPrintable(out));
    p.start(exe, {"--version"});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).startsWith("quantscope "));
  }

  void initTestCase() {
    QCoreApplication::setOrganizationName("QuantScopeTest");
    QCoreApplication::setApplicationName("test_main_window");
  }

  void layoutAndMenus() {
    MainWindow w;
    QCOMPARE(w.tabs()->count(), 5);
    QStringList tabs;
    for (int i = 0; i < w.tabs()->count(); ++i) tabs << w.tabs()->tabText(i);
    QCOMPARE(tabs, QStringList({"Curves", "Heatmaps", "Results table", "Recommendation", "Log"}));
    QStringList menus;
    for (QAction* a : w.menuBar()->actions()) menus << a->text().remove('&');
    QCOMPARE(menus, QStringList({"File", "Run", "View", "Help"}));
    QVERIFY(w.databasePath().isEmpty());
  }

  void helpDescribesEveryView() {
    const QString help = HelpDialog::helpHtml();
    for (const char* topic : {"<b>Curves</b>", "<b>Heatmaps</b>", "<b>Results table</b>", "<b>Recommendation</b>",
                              "Compare with FP16", "sensitivity (KL)", "output SQNR", "Spearman", "McNemar",
                              "differ in protocol", "loss budget"})
      QVERIFY2(help.contains(QString::fromUtf8(topic)), topic);
  }

  void openingADatabaseFillsTheViews() {
    const auto file = test::freshTempDir("gui_window_open") / "demo.qsdb";
    const test::DemoDatabase db = test::makeDemoDatabase(file);
    MainWindow w;
    QVERIFY(w.openDatabase(QString::fromStdString(file.string())));
    QVERIFY(w.windowTitle().startsWith("demo.qsdb"));
    QVERIFY(w.snapshot());
    QCOMPARE(int(w.snapshot()->runs.size()), int(test::demoMetrics().size()) * 2 + 3);
    QCOMPARE(w.curvesView()->taskBox()->count(), 2);
    QCOMPARE(w.resultsView()->model()->rowCount(), int(test::demoMetrics().size()) * 2 + 3);
    QCOMPARE(w.heatmapView()->tensorModel()->rowCount(), 4);
    QVERIFY(!w.openDatabase("/nonexistent/x.qsdb"));
    QVERIFY(w.lastError().contains("no such file"));
    QCOMPARE(w.databasePath(), QString::fromStdString(fs::absolute(file).string()));
  }

  void notADatabaseIsRefusedWithAMessage() {
    const auto dir = test::freshTempDir("gui_window_bad");
    std::ofstream(dir / "notes.qsdb") << "just text, not SQLite";
    MainWindow w;
    QVERIFY(!w.openDatabase(QString::fromStdString((dir / "notes.qsdb").string())));
    QVERIFY2(w.lastError().contains("notes.qsdb"), qPrintable(w.lastError()));
    QVERIFY(w.databasePath().isEmpty());
    QCOMPARE(test::readFile(dir / "notes.qsdb"), std::string("just text, not SQLite"));  // untouched
  }

  void anotherWriterIsNoticedByPolling() {
    const auto file = test::freshTempDir("gui_window_poll") / "demo.qsdb";
    const test::DemoDatabase db = test::makeDemoDatabase(file);
    MainWindow w;
    QVERIFY(w.openDatabase(QString::fromStdString(file.string())));
    const int before = int(w.snapshot()->runs.size());
    {
      ExperimentStore writer(file);
      int64_t id = 0;
      test::addRun(writer, db.llama, "W8A16KV16-g128", "arc_easy", {{"acc", 0.749, 0.009, 2376, true}}, id);
    }
    QTRY_COMPARE_WITH_TIMEOUT(int(w.snapshot()->runs.size()), before + 1, 5000);
  }

  void runCountFollowsThePanels() {
    MainWindow w;
    const auto model = test::sharedDir() / "models" / "stories260K";
    if (!fs::exists(model / "config.json")) QSKIP("shared/models/stories260K not found");
    QVERIFY(w.modelPanel()->openModel(QString::fromStdString(model.string())));
    w.quantPanel()->bitsBox(TensorType::Weight, 4)->setChecked(true);
    w.quantPanel()->bitsBox(TensorType::Weight, 8)->setChecked(true);
    QVERIFY(w.taskPanel()->setTaskChecked("arc_easy", true));
    QVERIFY(w.taskPanel()->setTaskChecked("piqa", true));
    QVERIFY2(w.runCountText().startsWith("<b>6 runs</b> = 2 configs × 2 tasks × 1 models + 2 FP16 baselines"),
             qPrintable(w.runCountText()));
    const SweepSpec spec = w.currentSpec();
    QCOMPARE(int(spec.models.size()), 1);
    QCOMPARE(int(spec.quantConfigs.size()), 2);
    QCOMPARE(int(spec.tasks.size()), 2);
  }

  // File dialogs open in the database's folder, then in the folder last chosen (kept across a
  // restart), never in the process's working directory.
  void dialogsOpenInTheDatabaseFolderThenTheLastOne() {
    QSettings().remove("paths/lastDialogFolder");
    const auto dir = test::freshTempDir("gui_dialog_db");
    const auto other = test::freshTempDir("gui_dialog_other");
    {
      MainWindow w;
      QVERIFY(w.openDatabase(QString::fromStdString((dir / "a.qsdb").string()), true));
      QCOMPARE(w.dialogPath("x.pdf"), QDir(QString::fromStdString(dir.string())).filePath("x.pdf"));
      w.rememberDialogChoice(QString::fromStdString((other / "chart.svg").string()));
      QCOMPARE(w.dialogPath("x.pdf"), QDir(QString::fromStdString(other.string())).filePath("x.pdf"));
    }
    MainWindow restarted;
    QCOMPARE(restarted.dialogPath({}), QDir(QString::fromStdString(other.string())).absolutePath());
    QSettings().remove("paths/lastDialogFolder");
  }

  // Group 128 fits none of stories260K's dimensions (64, 172): the window lists the runs that would
  // fail and, when the user declines, starts nothing.
  void preSweepCheckRefusesABadGroupSize() {
    const auto model = test::sharedDir() / "models" / "stories260K";
    if (!fs::exists(model / "config.json")) QSKIP("shared/models/stories260K not found");
    const auto file = test::freshTempDir("gui_fit_check") / "fit.qsdb";
    MainWindow w;
    QVERIFY(w.openDatabase(QString::fromStdString(file.string()), true));
    QVERIFY(w.modelPanel()->openModel(QString::fromStdString(model.string())));
    w.quantPanel()->bitsBox(TensorType::Weight, 4)->setChecked(true);  // per group of 128 by default
    QVERIFY(w.taskPanel()->setTaskChecked("arc_easy", true));
    QString shown;
    QTimer::singleShot(200, [&shown] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box) return;
      shown = box->text();
      box->button(QMessageBox::No)->click();
    });
    QVERIFY(!w.startSweep());
    QVERIFY2(shown.contains("down_proj weights (5 tensors): group 128 does not divide their input dimension 172"),
             qPrintable(shown));
    QVERIFY(!w.sweepController()->running());
    QCOMPARE(w.runQueueModel()->rowCount(), 0);
  }

  void smallScreenLayoutAndItsRestore() {
    QSettings().remove("window");
    {
      MainWindow w;
      w.resize(1280, 720);
      w.show();
      QVERIFY(QTest::qWaitForWindowExposed(&w));
      QCoreApplication::processEvents();
      // The side panels scroll rather than push the window past 1280 x 720 or under the queue.
      QVERIFY2(w.width() <= 1280 && w.height() <= 720, qPrintable(QString("%1x%2").arg(w.width()).arg(w.height())));
      auto* queue = w.findChild<QDockWidget*>("queueDock");
      for (const char* name : {"modelDock", "quantDock"}) {
        auto* d = w.findChild<QDockWidget*>(name);
        QVERIFY(d && d->isVisible());
        QVERIFY2(!d->geometry().intersects(queue->geometry()), name);
      }
      QVERIFY(w.findChild<QScrollArea*>("modelDockScroll"));
      QVERIFY(queue->height() >= 100);  // room for several rows
      queue->hide();
      w.tabs()->setCurrentIndex(2);
      w.close();  // saves the layout
    }
    {
      MainWindow w;
      w.show();
      QVERIFY(QTest::qWaitForWindowExposed(&w));
      QVERIFY(!w.findChild<QDockWidget*>("queueDock")->isVisible());  // restored
      QCOMPARE(w.tabs()->currentIndex(), 2);
      w.resetLayout();
      QVERIFY(w.findChild<QDockWidget*>("queueDock")->isVisible());
      QVERIFY(!QSettings().contains("window/state"));
      w.close();
    }
    QSettings().remove("window");
  }

  void tabAndPreferencesShortcuts() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QApplication::setActiveWindow(&w);
    QVERIFY(QTest::qWaitForWindowActive(&w));
    w.tabs()->setCurrentIndex(0);
    QTest::keyClick(&w, Qt::Key_Tab, Qt::ControlModifier);
    QCOMPARE(w.tabs()->currentIndex(), 1);
    QTest::keyClick(&w, Qt::Key_Backtab, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(w.tabs()->currentIndex(), 0);
    QTest::keyClick(&w, Qt::Key_Backtab, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(w.tabs()->currentIndex(), w.tabs()->count() - 1);  // wraps around
    bool found = false;
    for (QAction* a : w.findChildren<QAction*>())
      if (a->text().remove('&').startsWith("Preferences")) found = !a->shortcut().isEmpty();
    QVERIFY(found);
  }

  void retryAndDeleteAFailedRun() {
    const auto model = test::sharedDir() / "models" / "stories260K";
    if (!fs::exists(model / "model.safetensors")) QSKIP("shared/models/stories260K not found");
    const auto file = test::freshTempDir("gui_retry") / "retry.qsdb";
    int64_t failedId = 0;
    {
      // A run that failed: group 128 does not divide stories260K's 172-wide down_proj inputs.
      ExperimentStore store(file);
      ModelRecord m{0, model.string(), "llama", 260000, "F32", fingerprintModel(model)};
      m.id = store.upsertModel(m);
      RunRecord r;
      r.modelId = m.id;
      r.quantName = "W4A16KV16-g128";
      r.task = "arc_easy";
      r.taskVersion = "1";
      r.limit = 2;
      r.seed = 1234;
      failedId = store.beginRun(r);
      store.failRun(failedId, "group 128 does not divide 172");
    }
    MainWindow w;
    QVERIFY(w.openDatabase(QString::fromStdString(file.string())));
    QSignalSpy finished(w.sweepController(), &SweepController::finished);
    QVERIFY(w.retryRuns({failedId}));
    QVERIFY(finished.wait(300000));
    {
      ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
      auto logs = store.logs(failedId);
      bool restarted = false;
      for (const auto& l : logs) restarted = restarted || l.text.find("restarted; the previous attempt was failed") == 0;
      QVERIFY2(restarted, "the failed run was run again in place");
      QCOMPARE(store.run(failedId)->status, RunStatus::Failed);  // the same misfit, the same outcome
    }
    // Deleted: the run, its metrics, items and log lines; nothing orphaned.
    QVERIFY(w.deleteRuns({failedId}, false));
    ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
    QVERIFY(!store.run(failedId).has_value());
    QVERIFY(store.logs(failedId).empty());
    QVERIFY(store.metrics(failedId).empty());
    QCOMPARE(store.itemCount(failedId), int64_t(0));
    QVERIFY(!w.deleteRuns({failedId}, false));  // gone already
  }

  void sweepFromTheWindow() {
    const auto model = test::sharedDir() / "models" / "stories260K";
    if (!fs::exists(model / "model.safetensors")) QSKIP("shared/models/stories260K not found");
    const auto file = test::freshTempDir("gui_window_sweep") / "sweep.qsdb";
    MainWindow w;
    QVERIFY(w.openDatabase(QString::fromStdString(file.string()), true));
    QVERIFY(w.modelPanel()->openModel(QString::fromStdString(model.string())));
    w.quantPanel()->granularityBox()->setCurrentIndex(w.quantPanel()->granularityBox()->findData("per-channel"));
    w.quantPanel()->bitsBox(TensorType::Weight, 4)->setChecked(true);
    QVERIFY(w.taskPanel()->setTaskChecked("arc_easy", true));
    w.taskPanel()->limitBox()->setValue(3);
    QSignalSpy finished(w.sweepController(), &SweepController::finished);
    QTest::mouseClick(w.runQueuePanel()->startButton(), Qt::LeftButton);
    QVERIFY(w.sweepController()->running());
    QVERIFY(!w.runQueuePanel()->startButton()->isEnabled());
    QVERIFY(finished.wait(300000));
    QCOMPARE(w.runQueueModel()->rowCount(), 2);
    QCOMPARE(w.runQueueModel()->countWithStatus(QueueStatus::Done), 2);
    QVERIFY(w.runQueuePanel()->startButton()->isEnabled());
    // The views reloaded: two runs, the task labelled with its limit.
    QCOMPARE(int(w.snapshot()->runs.size()), 2);
    QVERIFY(w.curvesView()->taskBox()->findText("arc_easy (limit 3)") >= 0);
    QVERIFY(w.resultsView()->model()->rowCount() >= 2);
    // File > New (another database): the queue of the previous database's sweep is cleared.
    QVERIFY(w.openDatabase(QString::fromStdString((file.parent_path() / "other.qsdb").string()), true));
    QCOMPARE(w.runQueueModel()->rowCount(), 0);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
