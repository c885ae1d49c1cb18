// quantscope: the QuantScope workbench. quantscope [DATABASE.qsdb] [--model DIR] [--screenshot FILE.png]
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QScreen>
#include <QTimer>

#include "core/runtime.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"

namespace {

// Grabs the window once it has laid out and painted, writes the PNG and quits (for README
// screenshots and for looking at the window under Xvfb).
void scheduleScreenshot(qs::MainWindow& window, const QString& file, int delayMs, const QString& tab) {
  QTimer::singleShot(delayMs, &window, [&window, file, tab] {
    if (!tab.isEmpty())
      for (int i = 0; i < window.tabs()->count(); ++i)
        if (window.tabs()->tabText(i).startsWith(tab, Qt::CaseInsensitive)) window.tabs()->setCurrentIndex(i);
    QTimer::singleShot(300, &window, [&window, file] {
      const bool ok = window.grab().save(file);
      QApplication::exit(ok ? 0 : 1);
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("QuantScope");
  QApplication::setApplicationName("quantscope");
  QApplication::setApplicationVersion(QS_VERSION);
  QApplication::setDesktopFileName("quantscope");

  QCommandLineParser parser;
  parser.setApplicationDescription("QuantScope workbench: evaluate quantized LLMs (weights, activations, KV cache).");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("database", "Experiment database (.qsdb) to open.", "[DATABASE.qsdb]");
  QCommandLineOption model("model", "Hugging Face model folder to open.", "DIR");
  QCommandLineOption screenshot("screenshot", "Save a PNG of the window once loaded, then quit.", "FILE");
  QCommandLineOption screenshotTab("screenshot-tab", "Tab to show in the screenshot (curves, heatmaps, results, log).", "TAB");
  QCommandLineOption screenshotDelay("screenshot-delay", "Milliseconds before the screenshot (default 1500).", "MS", "1500");
  parser.addOptions({model, screenshot, screenshotTab, screenshotDelay});
  parser.process(app);

  qs::configureThreads(qs::AppSettings::threads());

  qs::MainWindow window;
  window.show();
  const QStringList positional = parser.positionalArguments();
  if (positional.size() > 1) parser.showHelp(2);
  if (!positional.isEmpty()) window.openDatabase(positional.first(), !QFileInfo::exists(positional.first()));
  for (const QString& dir : parser.values(model)) window.modelPanel()->openModel(dir);
  if (parser.isSet(screenshot))
    scheduleScreenshot(window, parser.value(screenshot), parser.value(screenshotDelay).toInt(), parser.value(screenshotTab));
  return app.exec();
}
