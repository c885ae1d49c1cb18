// quantscope: the QuantScope workbench.
//   quantscope [DATABASE.qsdb] [--model DIR]...
// Scripting options (README screenshots, demos): --task NAME, --preset NAME, --granularity G,
// --limit N, --data-dir DIR, --start (run the sweep the panels then describe), --screenshot FILE.png (grab the
// window once loaded, or once the started sweep has finished, and quit).
#include <QAbstractButton>
#include <QApplication>
#include <QCommandLineParser>
#include <QComboBox>
#include <QFileInfo>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>

#include "core/base/runtime.h"
#include "ui/app_settings.h"
#include "ui/flips_dialog.h"
#include "ui/heatmap_view.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"
#include "ui/quant_panel.h"
#include "ui/sweep_controller.h"
#include "ui/task_panel.h"

namespace {

void showTab(qs::MainWindow& window, const QString& tab) {
  for (int i = 0; i < window.tabs()->count(); ++i)
    if (window.tabs()->tabText(i).startsWith(tab, Qt::CaseInsensitive)) window.tabs()->setCurrentIndex(i);
}

// Shows a quantity of the Heatmaps tab (the first whose name starts with `name`): a statistic such
// as kurtosis, or a per-tensor analysis (sensitivity, weight SQNR, output SQNR).
bool showHeatmapQuantity(qs::MainWindow& window, const QString& name) {
  QComboBox* box = window.heatmapView()->metricBox();
  for (int i = 0; i < box->count(); ++i)
    if (box->itemText(i).startsWith(name, Qt::CaseInsensitive)) {
      box->setCurrentIndex(i);
      return true;
    }
  std::fprintf(stderr, "quantscope: the Heatmaps tab has no quantity '%s'\n", qPrintable(name));
  return false;
}

// Grabs the window after `delayMs` (time to lay out and paint), writes the PNG and quits. With
// flipsRun >= 0 it grabs the "Compare with FP16" dialog of that run instead, once it has loaded.
void screenshotAfter(qs::MainWindow& window, const QString& file, int delayMs, const QString& tab,
                     const QString& heatmap = {}, qint64 flipsRun = -1) {
  QTimer::singleShot(delayMs, &window, [&window, file, tab, heatmap, flipsRun] {
    if (!tab.isEmpty()) showTab(window, tab);
    if (!heatmap.isEmpty() && !showHeatmapQuantity(window, heatmap)) QApplication::exit(2);
    auto save = [file](QWidget* w) {
      const bool ok = w->grab().save(file);
      if (!ok) std::fprintf(stderr, "quantscope: cannot write %s\n", qPrintable(file));
      QApplication::exit(ok ? 0 : 1);
    };
    if (flipsRun < 0) {
      QTimer::singleShot(300, &window, [&window, save] { save(&window); });
      return;
    }
    auto* dialog = new qs::FlipsDialog(window.databasePath().toStdString(), flipsRun,
                                       window.taskPanel()->tasksDir().toStdString(),
                                       qs::AppSettings::dataDir().toStdString(), &window);
    dialog->resize(1200, 760);
    dialog->show();
    auto* poll = new QTimer(dialog);
    QObject::connect(poll, &QTimer::timeout, dialog, [dialog, poll, save] {
      if (dialog->loading()) return;
      poll->stop();
      QTimer::singleShot(300, dialog, [dialog, save] { save(dialog); });
    });
    poll->start(100);
  });
}

// Applies the scripting options to the panels; false (with a message) when one does not apply.
bool applyScript(qs::MainWindow& window, const QCommandLineParser& parser) {
  bool ok = true;
  auto complain = [&ok](const QString& what) {
    std::fprintf(stderr, "quantscope: %s\n", qPrintable(what));
    ok = false;
  };
  if (parser.isSet("granularity")) {
    QComboBox* box = window.quantPanel()->granularityBox();
    const int index = box->findData(parser.value("granularity"));
    if (index < 0) complain("--granularity expects per-group, per-channel or per-tensor");
    else box->setCurrentIndex(index);
  }
  for (const QString& preset : parser.values("preset")) {
    QAbstractButton* button = window.quantPanel()->presetButton(preset);
    if (!button) complain("unknown preset '" + preset + "' (W8 W4 W3 W2 W8A8 W4A8 W4A4 KV8 KV4 KV3 KV2)");
    else button->setChecked(true);
  }
  for (const QString& task : parser.values("task"))
    if (!window.taskPanel()->setTaskChecked(task, true)) complain("no task '" + task + "' in " + window.taskPanel()->tasksDir());
  if (parser.isSet("limit")) window.taskPanel()->limitBox()->setValue(parser.value("limit").toInt());
  return ok;
}

// The workbench's command line (used twice: before the QApplication for --help and --version, which
// must work without a display, and then for everything else).
void describeOptions(QCommandLineParser& parser) {
  parser.setApplicationDescription("QuantScope workbench: evaluate quantized LLMs (weights, activations, KV cache).");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("database", "Experiment database (.qsdb) to open (created when missing).", "[DATABASE.qsdb]");
  parser.addOptions({
      {"model", "Hugging Face model folder to open (repeatable).", "DIR"},
      {"task", "Check a task in the Tasks panel (repeatable).", "NAME"},
      {"preset", "Check a quantization preset, e.g. W4 or KV4 (repeatable).", "NAME"},
      {"granularity", "Weight and KV grouping: per-group, per-channel or per-tensor.", "G"},
      {"limit", "Examples per task.", "N"},
      {"data-dir", "Benchmark data directory for this session (default: the preference, else the bundled samples).",
       "DIR"},
      {"start", "Start the sweep the panels describe once loaded."},
      {"screenshot", "Save a PNG of the window once loaded (after the sweep with --start), then quit.", "FILE"},
      {"screenshot-tab", "Tab to show in the screenshot: curves, heatmaps, results, recommendation or log.", "TAB"},
      {"screenshot-delay", "Milliseconds to wait before the screenshot (default 1500).", "MS", "1500"},
      {"screenshot-heatmap", "Heatmap quantity to show in the screenshot: kurtosis, absmax, sensitivity, weight SQNR, "
                             "output SQNR, ... (the start of its name in the Heatmaps tab).", "QUANTITY"},
      {"screenshot-flips", "Screenshot the 'Compare with FP16' dialog of run RUN instead of the window.", "RUN"},
  });
}

}  // namespace

int main(int argc, char** argv) {
  qs::ensurePassiveOpenMpWait(argv);
  {
    // --help / --version print and exit before Qt looks for a display (a server has none).
    QStringList arguments;
    for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
    QCommandLineParser early;
    describeOptions(early);
    if (early.parse(arguments) && early.isSet("help")) {
      // Without a QCoreApplication the parser does not know the program's name.
      std::fputs(qPrintable(early.helpText().replace("<executable_name>", "quantscope")), stdout);
      return 0;
    }
    if (early.isSet("version")) {
      std::printf("quantscope %s\n", QS_VERSION);
      return 0;
    }
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName("QuantScope");
  QApplication::setApplicationName("quantscope");
  QApplication::setApplicationVersion(QS_VERSION);
  QApplication::setDesktopFileName("quantscope");

  QCommandLineParser parser;
  describeOptions(parser);
  parser.process(app);
  if (parser.positionalArguments().size() > 1) parser.showHelp(2);

  qs::configureThreads(qs::AppSettings::threads());
  if (parser.isSet("data-dir")) {
    const QFileInfo dataDir(parser.value("data-dir"));
    if (!dataDir.isDir()) {
      std::fprintf(stderr, "quantscope: --data-dir %s is not a directory\n", qPrintable(parser.value("data-dir")));
      return 2;
    }
    qs::AppSettings::setSessionDataDir(dataDir.absoluteFilePath());
  }

  qs::MainWindow window;
  window.show();
  const QStringList positional = parser.positionalArguments();
  if (!positional.isEmpty()) window.openDatabaseInteractive(positional.first(), !QFileInfo::exists(positional.first()));
  for (const QString& dir : parser.values("model")) window.modelPanel()->openModel(dir);
  if (!applyScript(window, parser)) return 2;

  const QString screenshot = parser.value("screenshot");
  const int delay = parser.value("screenshot-delay").toInt();
  const QString heatmap = parser.value("screenshot-heatmap");
  const qint64 flipsRun = parser.isSet("screenshot-flips") ? parser.value("screenshot-flips").toLongLong() : -1;
  if (parser.isSet("start")) {
    QObject::connect(window.sweepController(), &qs::SweepController::finished, &window, [&](bool) {
      if (!screenshot.isEmpty()) screenshotAfter(window, screenshot, delay, parser.value("screenshot-tab"), heatmap, flipsRun);
    });
    QTimer::singleShot(0, &window, [&] {
      if (!window.startSweep() && !screenshot.isEmpty()) QApplication::exit(1);
    });
  } else if (!screenshot.isEmpty()) {
    screenshotAfter(window, screenshot, delay, parser.value("screenshot-tab"), heatmap, flipsRun);
  }
  return app.exec();
}
