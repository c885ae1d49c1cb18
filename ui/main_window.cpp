#include "ui/main_window.h"
#include "tasks/sweep_runner.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QMimeData>
#include <QSettings>
#include <QGuiApplication>
#include <QScreen>
#include <QShortcut>
#include <QScrollArea>
#include <QStatusBar>
#include <QTabWidget>

#include "core/base/error.h"
#include "core/model/family.h"
#include "core/store/experiment_store.h"
#include "core/base/runtime.h"
#include "tasks/resource_paths.h"
#include "tasks/run_recording.h"
#include "ui/app_settings.h"
#include "ui/curves_view.h"
#include "ui/experiment_snapshot.h"
#include "ui/figure_set.h"
#include "ui/heatmap_view.h"
#include "ui/help_dialog.h"
#include "ui/log_view.h"
#include "ui/model_card.h"
#include "ui/model_panel.h"
#include "ui/paper_export_dialog.h"
#include "ui/preferences_dialog.h"
#include "ui/quant_grid.h"
#include "ui/quant_panel.h"
#include "ui/recommendation_view.h"
#include "ui/results_view.h"
#include "ui/run_queue_model.h"
#include "ui/run_queue_panel.h"
#include "ui/sweep_controller.h"
#include "ui/task_panel.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The file name with the suffix of the chosen filter when the user typed none.
QString withSuffix(QString file, const QString& filter) {
  if (file.isEmpty() || !QFileInfo(file).suffix().isEmpty()) return file;
  const int star = filter.indexOf("*.");
  return star < 0 ? file : file + filter.mid(star + 1, filter.indexOf(')', star) - star - 1);
}

void removeDatabaseFiles(const QString& file) {
  for (const char* suffix : {"", "-wal", "-shm"}) QFile::remove(file + suffix);
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setAcceptDrops(true);
  tabs_ = new QTabWidget(this);
  curves_ = new CurvesView(tabs_);
  heatmaps_ = new HeatmapView(tabs_);
  results_ = new ResultsView(tabs_);
  recommendation_ = new RecommendationView(tabs_);
  log_ = new LogView(tabs_);
  tabs_->addTab(curves_, "Curves");
  tabs_->addTab(heatmaps_, "Heatmaps");
  tabs_->addTab(results_, "Results table");
  tabs_->addTab(recommendation_, "Recommendation");
  tabs_->addTab(log_, "Log");
  setCentralWidget(tabs_);
  controller_ = new SweepController(this);
  buildDocks();
  buildMenus();
  statusDb_ = new QLabel(this);
  statusBar()->addPermanentWidget(statusDb_);

  reloadTimer_.setSingleShot(true);
  reloadTimer_.setInterval(300);
  connect(&reloadTimer_, &QTimer::timeout, this, &MainWindow::reload);
  pollTimer_.setInterval(1000);
  connect(&pollTimer_, &QTimer::timeout, this, &MainWindow::pollDatabase);

  connect(controller_, &SweepController::planned, this, [this](const QVector<PlannedRun>& points) {
    queueModel_->setPlan(points);
    message("info", QString("Sweep planned: %1 runs, %2 already done").arg(points.size())
                        .arg(queueModel_->countWithStatus(QueueStatus::AlreadyDone)));
    updateQueueHeader();
  });
  connect(controller_, &SweepController::planFailed, this, [this](const QString& m) {
    message("error", "The sweep could not be planned: " + m);
    statusBar()->showMessage("Sweep not started: " + m, 10000);
  });
  connect(controller_, &SweepController::pointStarted, queueModel_, &RunQueueModel::markStarted);
  connect(controller_, &SweepController::pointProgress, this, [this](int i, const SweepProgress& p) {
    queueModel_->updateProgress(i, p);
    statusBar()->showMessage(QString("Running %1: run %2% · run ETA %3 · sweep ETA %4")
                                 .arg(q(p.currentItem))
                                 .arg(qRound(p.fraction * 100))
                                 .arg(formatDuration(queueModel_->row(i).etaSeconds))
                                 .arg(formatDuration(queueModel_->remainingSeconds())));
  });
  // The runner logs each failure once (with the run named); the queue row keeps the message as its
  // tooltip.
  connect(controller_, &SweepController::pointFinished, this, [this](int i, PointOutcome outcome, const QString& m) {
    queueModel_->markFinished(i, outcome, m);
    updateQueueHeader();
  });
  connect(controller_, &SweepController::runStored, this, [this](qint64 runId) {
    if (store_)
      if (auto r = store_->run(runId); r && r->wallSeconds > 0 && r->tokensProcessed > 0)
        queueModel_->setMeasuredThroughput(runId, r->tokensProcessed / r->wallSeconds);
    scheduleReload();
  });
  connect(controller_, &SweepController::logMessage, log_, &LogView::append);
  connect(controller_, &SweepController::finished, this, &MainWindow::onSweepFinished);

  resize(defaultSize());
  defaultLayout_ = saveState();
  restoreLayout();
  // Ctrl+Tab / Ctrl+Shift+Tab cycle the tabs wherever the focus is (the tab bar alone only takes
  // them when focused).
  auto* nextTab = new QShortcut(QKeySequence("Ctrl+Tab"), this);
  connect(nextTab, &QShortcut::activated, this, [this] { tabs_->setCurrentIndex((tabs_->currentIndex() + 1) % tabs_->count()); });
  auto* previousTab = new QShortcut(QKeySequence("Ctrl+Shift+Tab"), this);
  connect(previousTab, &QShortcut::activated, this,
          [this] { tabs_->setCurrentIndex((tabs_->currentIndex() + tabs_->count() - 1) % tabs_->count()); });
  updateTitle();
  updateRunCount();
  taskPanel_->setTasksDir(tasksDirectory());
}

MainWindow::~MainWindow() { controller_->stop(); }

void MainWindow::buildDocks() {
  // The side panels scroll instead of imposing their full height: otherwise, at 1280 x 720 or at
  // 150% scale, their minimum sizes push the window past the screen and squeeze the run queue.
  auto dock = [this](const QString& title, const QString& name, QWidget* content, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    if (area == Qt::LeftDockWidgetArea) {
      auto* scroll = new QScrollArea(d);
      scroll->setObjectName(name + "Scroll");
      scroll->setWidget(content);
      scroll->setWidgetResizable(true);
      scroll->setFrameShape(QFrame::NoFrame);
      scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
      d->setWidget(scroll);
    } else {
      d->setWidget(content);
    }
    addDockWidget(area, d);
    return d;
  };
  modelPanel_ = new ModelPanel;
  quantPanel_ = new QuantPanel;
  taskPanel_ = new TaskPanel;
  queueModel_ = new RunQueueModel(this);
  queuePanel_ = new RunQueuePanel(queueModel_);
  auto* models = dock("Model", "modelDock", modelPanel_, Qt::LeftDockWidgetArea);
  auto* quant = dock("Quantization", "quantDock", quantPanel_, Qt::LeftDockWidgetArea);
  auto* tasks = dock("Tasks", "taskDock", taskPanel_, Qt::LeftDockWidgetArea);
  auto* queue = dock("Run queue", "queueDock", queuePanel_, Qt::BottomDockWidgetArea);
  tabifyDockWidget(quant, tasks);
  quant->raise();
  resizeDocks({models, quant}, {420, 520}, Qt::Vertical);
  resizeDocks({models}, {430}, Qt::Horizontal);
  resizeDocks({queue}, {200}, Qt::Vertical);
  connect(modelPanel_, &ModelPanel::selectionChanged, this, &MainWindow::updateKvAvailability);
  connect(modelPanel_, &ModelPanel::selectionChanged, this, &MainWindow::updateRunCount);
  connect(quantPanel_, &QuantPanel::selectionChanged, this, &MainWindow::updateRunCount);
  connect(taskPanel_, &TaskPanel::selectionChanged, this, &MainWindow::updateRunCount);
  connect(queuePanel_, &RunQueuePanel::startRequested, this, &MainWindow::startSweep);
  connect(queuePanel_, &RunQueuePanel::cancelAllRequested, this, &MainWindow::cancelAll);
  connect(queuePanel_, &RunQueuePanel::cancelRowsRequested, this, [this](const QList<int>& rows) {
    for (int r : rows) {
      controller_->cancelPoint(r);
      queueModel_->markCancelRequested(r);
    }
  });
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&New experiment database…", QKeySequence::New, this, &MainWindow::newDatabase);
  file->addAction("&Open experiment database…", QKeySequence::Open, this, &MainWindow::openDatabaseDialog);
  recentMenu_ = file->addMenu("Open &recent");
  rebuildRecentMenu();
  file->addAction("Open &model folder…", QKeySequence("Ctrl+M"), modelPanel_, &ModelPanel::browse);
  file->addSeparator();
  QMenu* exportMenu = file->addMenu("&Export");
  exportMenu->addAction("Current &chart (PNG, SVG, PDF)…", QKeySequence("Ctrl+E"), this, &MainWindow::exportCurrentChart);
  exportMenu->addAction("&Heatmap (PNG, SVG, PDF)…", this, &MainWindow::exportHeatmap);
  exportMenu->addAction("Channel heatmap (PNG, SVG, PDF)…", this, &MainWindow::exportChannelHeatmap);
  exportMenu->addAction("Results &table (CSV, LaTeX, Markdown)…", this, &MainWindow::exportResultsTable);
  exportMenu->addAction("&Paper table (choose tasks, metrics, configurations)…", this, &MainWindow::exportPaperTable);
  exportMenu->addSeparator();
  exportMenu->addAction("&Figure set (every chart and table)…", this, &MainWindow::exportFigureSetDialog);
  file->addSeparator();
  // QKeySequence::Preferences is empty on most Linux desktops: Ctrl+, there, as in many editors.
  const QKeySequence preferencesKey =
      QKeySequence(QKeySequence::Preferences).isEmpty() ? QKeySequence("Ctrl+,") : QKeySequence(QKeySequence::Preferences);
  file->addAction("&Preferences…", preferencesKey, this, &MainWindow::showPreferences);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* run = menuBar()->addMenu("&Run");
  run->addAction("&Start sweep", QKeySequence("Ctrl+R"), this, &MainWindow::startSweep);
  run->addAction("&Cancel all", QKeySequence("Ctrl+."), this, &MainWindow::cancelAll);
  run->addAction("&Reload database", QKeySequence::Refresh, this, &MainWindow::reload);
  run->addSeparator();
  run->addAction("Re&try selected failed runs", this, [this] { retryRuns(results_->selectedRunIds()); });
  run->addAction("&Delete selected runs…", this, [this] { deleteRuns(results_->selectedRunIds()); });

  viewMenu_ = menuBar()->addMenu("&View");
  for (QDockWidget* d : findChildren<QDockWidget*>()) viewMenu_->addAction(d->toggleViewAction());
  viewMenu_->addSeparator();
  viewMenu_->addAction("&Reset layout", this, &MainWindow::resetLayout);

  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("QuantScope &help", QKeySequence::HelpContents, this, &MainWindow::showHelp);
  help->addAction("&About QuantScope", this, [this] {
    QMessageBox::about(this, "About QuantScope",
                       QString("<b>QuantScope %1</b><p>Evaluate what post-training quantization of weights, "
                               "activations and the KV cache does to a language model.</p><p>libtorch %2 · Qt %3</p>")
                           .arg(QCoreApplication::applicationVersion(), q(libtorchVersion()), qVersion()));
  });
}

void MainWindow::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = AppSettings::recentDatabases();
  for (const QString& f : recent) recentMenu_->addAction(f, this, [this, f] { openDatabaseInteractive(f); });
  if (recent.isEmpty()) recentMenu_->addAction("(none)")->setEnabled(false);
  recentMenu_->addSeparator();
  recentMenu_->addAction("Clear list", this, [this] {
    AppSettings::clearRecent();
    rebuildRecentMenu();
    modelPanel_->refreshRecent();
  });
}

void MainWindow::message(const QString& level, const QString& text) { log_->append(level, text); }

bool MainWindow::confirmNoSweep(const QString& action) {
  if (!controller_->running()) return true;
  QMessageBox::information(this, action, "A sweep is running into " + dbPath_ + ". Cancel it or wait for it to finish first.");
  return false;
}

QString MainWindow::dialogPath(const QString& fileName) const {
  // The folder last chosen in any of the window's file dialogs, else the open database's folder,
  // else the home folder: never the process's working directory.
  QString dir = QSettings().value("paths/lastDialogFolder").toString();
  if (dir.isEmpty() || !QFileInfo(dir).isDir())
    dir = dbPath_.isEmpty() ? QDir::homePath() : QFileInfo(dbPath_).absolutePath();
  return fileName.isEmpty() ? dir : QDir(dir).filePath(fileName);
}

void MainWindow::rememberDialogChoice(const QString& path) {
  const QFileInfo info(path);
  QSettings().setValue("paths/lastDialogFolder", path.endsWith('/') ? QDir(path).absolutePath() : info.absolutePath());
}

void MainWindow::newDatabase() {
  if (!confirmNoSweep("New database")) return;
  QString file = QFileDialog::getSaveFileName(this, "New experiment database", dialogPath("experiment.qsdb"),
                                              "QuantScope database (*.qsdb)");
  file = withSuffix(file, "(*.qsdb)");
  if (file.isEmpty()) return;
  rememberDialogChoice(file);
  if (QFileInfo::exists(file)) removeDatabaseFiles(file);  // the dialog asked to replace it
  openDatabaseInteractive(file, true);
}

void MainWindow::openDatabaseDialog() {
  if (!confirmNoSweep("Open database")) return;
  const QString file = QFileDialog::getOpenFileName(this, "Open experiment database", dialogPath({}),
                                                    "QuantScope database (*.qsdb);;All files (*)");
  if (file.isEmpty()) return;
  rememberDialogChoice(file);
  openDatabaseInteractive(file);
}

void MainWindow::openDatabaseInteractive(const QString& file, bool create) {
  if (!confirmNoSweep(create ? "New database" : "Open database")) return;
  if (!openDatabase(file, create)) QMessageBox::warning(this, create ? "New database" : "Open database", lastError_);
}

bool MainWindow::fail(const QString& error) {
  lastError_ = error;
  message("error", error);
  statusBar()->showMessage(error, 10000);
  return false;
}

bool MainWindow::openDatabase(const QString& file, bool create) {
  const QString path = QFileInfo(file).absoluteFilePath();
  if (controller_->running() && path != dbPath_) return fail("A sweep is running into " + dbPath_ + ": cancel it first");
  if (!create && !QFileInfo::exists(path)) return fail(path + ": no such file");
  QString readOnlyReason;
  try {
    // A read-write open migrates an older schema and marks runs whose process ended interrupted;
    // the views then read through their own read-only connection.
    ExperimentStore writer(path.toStdString(), ExperimentStore::Mode::ReadWrite);
    if (writer.migratedFrom())
      message("info", QString("%1: schema migrated from version %2 (backup %3)")
                          .arg(path).arg(*writer.migratedFrom()).arg(q(writer.backupFile().string())));
    for (int64_t id : writer.interruptedOnOpen())
      message("warning", QString("Run %1 was left running by a process that ended: marked interrupted (a sweep resumes it)").arg(id));
  } catch (const Error& e) {
    if (create) return fail(q(e.what()));
    readOnlyReason = q(e.what());
  }
  try {
    store_ = std::make_unique<ExperimentStore>(path.toStdString(), ExperimentStore::Mode::ReadOnly);
  } catch (const Error& e) {
    return fail(q(e.what()));
  }
  lastError_.clear();
  if (!readOnlyReason.isEmpty()) message("warning", "Opened read-only (sweeps disabled): " + readOnlyReason);
  // The run queue shows the last sweep into this window's database: another database starts empty.
  if (path != dbPath_ && !controller_->running()) {
    queueModel_->clear();
    updateRunCount();
  }
  dbPath_ = path;
  writable_ = readOnlyReason.isEmpty();
  AppSettings::addRecentDatabase(path);
  rebuildRecentMenu();
  message("info", (create ? "Created " : "Opened ") + path);
  reload();
  pollTimer_.start();
  updateTitle();
  return true;
}

void MainWindow::reload() {
  if (!store_) return;
  try {
    lastStamp_ = store_->changeStamp();
    snapshot_ = std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(*store_));
  } catch (const Error& e) {
    message("error", "Cannot read " + dbPath_ + ": " + q(e.what()));
    return;
  }
  curves_->setSnapshot(snapshot_);
  heatmaps_->setSource(store_.get(), snapshot_);
  results_->setSource(store_.get(), snapshot_);
  recommendation_->setSnapshot(snapshot_);
  statusDb_->setText(QString("%1 · %2 runs").arg(QFileInfo(dbPath_).fileName()).arg(snapshot_->runs.size()));
}

void MainWindow::scheduleReload() {
  if (!reloadTimer_.isActive()) reloadTimer_.start();
}

void MainWindow::pollDatabase() {
  if (!store_) return;
  try {
    if (store_->changeStamp() != lastStamp_) scheduleReload();
  } catch (const Error& e) {
    pollTimer_.stop();
    message("error", "Stopped watching " + dbPath_ + ": " + q(e.what()));
  }
}

void MainWindow::updateTitle() {
  QString title = "QuantScope";
  if (!dbPath_.isEmpty()) title = QFileInfo(dbPath_).fileName() + (writable_ ? "" : " [read-only]") + " — " + title;
  setWindowTitle(title);
}

QString MainWindow::tasksDirectory() const {
  const QString configured = AppSettings::tasksDir();
  if (!configured.isEmpty()) return configured;
  return q(defaultTasksDir().string());
}

SweepSpec MainWindow::currentSpec() const {
  SweepSpec spec;
  for (const QString& m : modelPanel_->selectedModels()) spec.models.push_back(m.toStdString());
  for (const QString& c : quantPanel_->configNames()) spec.quantConfigs.push_back(c.toStdString());
  for (const QString& t : taskPanel_->selectedTasks()) spec.tasks.push_back(t.toStdString());
  spec.limit = taskPanel_->limit();
  spec.device = AppSettings::device().toStdString();
  spec.tasksDir = taskPanel_->tasksDir().toStdString();
  spec.dataDir = AppSettings::dataDir().toStdString();
  return spec;
}

QString MainWindow::runCountText() const {
  const RunCount c = countRuns(quantPanel_->configNames().size(), taskPanel_->selectedTasks().size(),
                               modelPanel_->selectedModels().size());
  return QString("<b>%1 runs</b> = %2 configs × %3 tasks × %4 models + %5 FP16 baselines")
      .arg(c.total).arg(c.configs).arg(c.tasks).arg(c.models).arg(c.baselines);
}

void MainWindow::updateKvAvailability() {
  QStringList without;
  for (const QString& m : modelPanel_->selectedModels()) {
    try {
      const auto card = loadModelCard(m.toStdString());
      if (!card.config.hasKvCache())
        without << QString("%1 (%2)").arg(QString::fromStdString(card.name),
                                          QString::fromUtf8(std::string(familyName(card.config.family)).c_str()));
    } catch (const Error&) {
      // A folder that cannot be read is reported by the model panel; it does not decide this.
    }
  }
  quantPanel_->setKvAvailable(without.isEmpty(), without.isEmpty() ? QString()
                                                                    : "KV-cache quantization is off: " + without.join(", ") +
                                                                          " has no KV cache (no attention layers).");
}

void MainWindow::updateQueueHeader() {
  const int total = queueModel_->rowCount();
  const int finished = queueModel_->countWithStatus(QueueStatus::Done) + queueModel_->countWithStatus(QueueStatus::Failed) +
                       queueModel_->countWithStatus(QueueStatus::Cancelled) + queueModel_->countWithStatus(QueueStatus::AlreadyDone);
  const double eta = queueModel_->remainingSeconds();
  queuePanel_->setSummary(QString("<b>Sweep running:</b> %1 of %2 runs finished (%3 done, %4 failed, %5 already in the database)%6")
                              .arg(finished).arg(total).arg(queueModel_->countWithStatus(QueueStatus::Done))
                              .arg(queueModel_->countWithStatus(QueueStatus::Failed))
                              .arg(queueModel_->countWithStatus(QueueStatus::AlreadyDone))
                              .arg(eta >= 0 ? " · sweep ETA " + formatDuration(eta) : QString()));
}

void MainWindow::updateRunCount() {
  if (!controller_->running()) queuePanel_->setSummary(runCountText() + " (runs already in the database are skipped)");
}

bool MainWindow::startSweep() {
  if (controller_->running()) return false;
  if (!store_) {
    newDatabase();
    if (!store_) return false;
  }
  QString problem;
  const SweepSpec spec = currentSpec();
  if (!writable_) problem = dbPath_ + " is open read-only: results cannot be written to it.";
  else if (spec.models.empty()) problem = "Open a model folder and check it in the Model panel.";
  else if (spec.tasks.empty()) problem = "Check at least one task in the Tasks panel.";
  if (!problem.isEmpty()) {
    QMessageBox::information(this, "Start sweep", problem);
    return false;
  }
  // Configurations that cannot fit a model's shapes, from config.json alone: said before the sweep
  // starts rather than discovered run by run.
  const auto misfits = SweepRunner(dbPath_.toStdString(), spec).fitProblems();
  if (!misfits.empty()) {
    QStringList lines;
    for (const auto& m : misfits) lines << q(m);
    for (const auto& m : misfits) message("warning", "Will fail: " + q(m));
    const auto answer = QMessageBox::warning(
        this, "Start sweep",
        QString("These runs would fail:\n\n%1\n\nStart the sweep anyway? The other runs are not affected.")
            .arg(lines.join("\n")),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes) return false;
  }
  if (AppSettings::threads() != computeThreads()) configureThreads(AppSettings::threads());
  queueModel_->clear();
  queuePanel_->setSummary(runCountText() + " — planning…");
  queuePanel_->setRunning(true);
  message("info", QString("Sweep started: %1 models × %2 configs × %3 tasks, limit %4, device %5")
                      .arg(spec.models.size()).arg(spec.quantConfigs.size()).arg(spec.tasks.size())
                      .arg(spec.limit).arg(q(spec.device)));
  return controller_->start(dbPath_, spec);
}

void MainWindow::cancelAll() {
  if (!controller_->running()) return;
  controller_->cancelAll();
  for (int r = 0; r < queueModel_->rowCount(); ++r) queueModel_->markCancelRequested(r);
  message("info", "Cancelling the sweep…");
}

void MainWindow::onSweepFinished(bool cancelled) {
  queueModel_->cancelUnfinished();
  queuePanel_->setRunning(false);
  if (cancelled) pendingRetries_.clear();
  while (!pendingRetries_.isEmpty())
    if (startRetry(pendingRetries_.takeFirst())) return;
  const int done = queueModel_->countWithStatus(QueueStatus::Done);
  const int failed = queueModel_->countWithStatus(QueueStatus::Failed);
  const QString text = QString("Sweep %1: %2 done, %3 failed, %4 already done, %5 cancelled")
                           .arg(cancelled ? "cancelled" : "finished").arg(done).arg(failed)
                           .arg(queueModel_->countWithStatus(QueueStatus::AlreadyDone))
                           .arg(queueModel_->countWithStatus(QueueStatus::Cancelled));
  message(failed ? "warning" : "info", text);
  statusBar()->showMessage(text, 15000);
  queuePanel_->setSummary(runCountText() + "<br>" + text);
  reload();
}

FigureSize MainWindow::exportSize() const {
  FigureSize size;
  size.dpi = AppSettings::exportDpi();
  return size;
}

void MainWindow::exportCurrentChart() {
  QString filter;
  QString file = QFileDialog::getSaveFileName(this, "Export chart", dialogPath(safeFileName(curves_->title()) + ".pdf"),
                                              "PDF (*.pdf);;SVG (*.svg);;PNG image (*.png)", &filter);
  file = withSuffix(file, filter);
  if (file.isEmpty()) return;
  rememberDialogChoice(file);
  try {
    curves_->exportChartTo(file, exportSize());
    message("info", "Chart written to " + file);
  } catch (const Error& e) {
    QMessageBox::warning(this, "Export chart", q(e.what()));
  }
}

void MainWindow::exportHeatmap() {
  QString filter;
  QString file = QFileDialog::getSaveFileName(this, "Export heatmap", dialogPath("heatmap.pdf"), "PDF (*.pdf);;SVG (*.svg);;PNG image (*.png)", &filter);
  file = withSuffix(file, filter);
  if (file.isEmpty()) return;
  rememberDialogChoice(file);
  try {
    heatmaps_->exportTensorMap(file, exportSize());
    message("info", "Heatmap written to " + file);
  } catch (const Error& e) {
    QMessageBox::warning(this, "Export heatmap", q(e.what()));
  }
}

void MainWindow::exportChannelHeatmap() {
  QString filter;
  QString file = QFileDialog::getSaveFileName(this, "Export channel heatmap", dialogPath("channels.png"), "PNG image (*.png);;PDF (*.pdf);;SVG (*.svg)", &filter);
  file = withSuffix(file, filter);
  if (file.isEmpty()) return;
  rememberDialogChoice(file);
  try {
    heatmaps_->exportChannelMap(file, exportSize());
    message("info", "Channel heatmap written to " + file);
  } catch (const Error& e) {
    QMessageBox::warning(this, "Export channel heatmap", q(e.what()));
  }
}

void MainWindow::exportResultsTable() {
  QString filter;
  QString file = QFileDialog::getSaveFileName(this, "Export results table", dialogPath("results.csv"),
                                              "CSV (*.csv);;LaTeX booktabs (*.tex);;Markdown (*.md);;JSON, paper layout (*.json)",
                                              &filter);
  file = withSuffix(file, filter);
  if (file.isEmpty()) return;
  rememberDialogChoice(file);
  try {
    results_->exportShown(file);
    message("info", QString("Results table (%1 rows as shown) written to %2").arg(results_->proxy()->rowCount()).arg(file));
  } catch (const Error& e) {
    QMessageBox::warning(this, "Export table", q(e.what()));
  }
}

void MainWindow::exportPaperTable() {
  if (!snapshot_) {
    QMessageBox::information(this, "Paper table", "Open an experiment database first.");
    return;
  }
  PaperExportDialog dialog(snapshot_, QFileInfo(dialogPath("paper_table.tex")).absolutePath(), this);
  if (dialog.exec() != QDialog::Accepted || dialog.savedFile().isEmpty()) return;
  rememberDialogChoice(dialog.savedFile());
  message("info", "Paper table written to " + dialog.savedFile());
}

void MainWindow::exportFigureSetDialog() {
  if (!store_ || !snapshot_) {
    QMessageBox::information(this, "Figure set", "Open an experiment database first.");
    return;
  }
  const QString dir = QFileDialog::getExistingDirectory(this, "Write the figure set into", dialogPath({}));
  if (dir.isEmpty()) return;
  rememberDialogChoice(dir + "/");
  bool ok = false;
  const QString choice = QInputDialog::getItem(this, "Figure set", "Formats", {"pdf", "svg", "png", "pdf + png", "pdf + svg + png"}, 0,
                                               false, &ok);
  if (!ok) return;
  QProgressDialog progress("Planning the figure set…", "Cancel", 0, 0, this);
  progress.setWindowTitle("Figure set");
  progress.setWindowModality(Qt::WindowModal);
  progress.setMinimumDuration(0);
  progress.show();
  QCoreApplication::processEvents();
  // The snapshot and store stay alive: the dialog is modal, so nothing replaces them meanwhile.
  auto keep = snapshot_;
  const FigureSetResult r =
      exportFigureSet(*store_, *keep, dir, choice.split(" + "), exportSize(), [&](int done, int total, const QString& file) {
        progress.setMaximum(total);
        progress.setValue(done);
        if (!file.isEmpty()) progress.setLabelText(QString("Writing %1 (%2 of %3)").arg(QFileInfo(file).fileName()).arg(done + 1).arg(total));
        QCoreApplication::processEvents();
        return !progress.wasCanceled();
      });
  progress.reset();
  for (const auto& p : r.problems) message("error", p);
  const QString what = r.cancelled ? QString("Figure set cancelled after %1 files in %2").arg(r.written.size()).arg(dir)
                                   : QString("Figure set: %1 files written to %2").arg(r.written.size()).arg(dir);
  message(r.cancelled ? "warning" : "info", what);
  statusBar()->showMessage(what + (r.problems.isEmpty() ? QString() : QString(", %1 problems (see Log)").arg(r.problems.size())), 10000);
}

void MainWindow::showHelp() {
  auto* dialog = new HelpDialog(this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->show();
}

void MainWindow::showPreferences() {
  PreferencesDialog dialog(this);
  if (dialog.exec() != QDialog::Accepted) return;
  if (!controller_->running()) configureThreads(AppSettings::threads());
  taskPanel_->setTasksDir(tasksDirectory());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (controller_->running()) {
    if (QMessageBox::question(this, "Quit", "A sweep is running. Cancel it and quit? Finished runs are already saved.") !=
        QMessageBox::Yes) {
      event->ignore();
      return;
    }
    controller_->stop(3000);
  }
  saveLayout();
  event->accept();
}

QSize MainWindow::defaultSize() const {
  // 1500 x 920 where it fits, else 95% of the screen's free area.
  const QScreen* s = screen() ? screen() : QGuiApplication::primaryScreen();
  const QRect free = s ? s->availableGeometry() : QRect(0, 0, 1500, 920);
  return {std::min(1500, free.width() * 95 / 100), std::min(920, free.height() * 95 / 100)};
}

void MainWindow::saveLayout() const {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("window/tab", tabs_->currentIndex());
}

void MainWindow::restoreLayout() {
  QSettings settings;
  if (settings.contains("window/geometry")) restoreGeometry(settings.value("window/geometry").toByteArray());
  if (settings.contains("window/state")) restoreState(settings.value("window/state").toByteArray());
  const int tab = settings.value("window/tab", 0).toInt();
  if (tab >= 0 && tab < tabs_->count()) tabs_->setCurrentIndex(tab);
}

void MainWindow::resetLayout() {
  restoreState(defaultLayout_);
  for (QDockWidget* d : findChildren<QDockWidget*>()) d->show();
  findChild<QDockWidget*>("quantDock")->raise();
  if (!isMaximized() && !isFullScreen()) resize(defaultSize());
  QSettings settings;
  settings.remove("window/geometry");
  settings.remove("window/state");
  message("info", "Window layout reset");
}

bool MainWindow::deleteRuns(const QList<qint64>& runIds, bool confirm) {
  if (!store_ || runIds.isEmpty()) {
    if (confirm) QMessageBox::information(this, "Delete runs", "Select one or more runs in the Results table first.");
    return false;
  }
  if (!writable_) return fail(dbPath_ + " is open read-only: runs cannot be deleted.");
  QStringList names;
  QList<qint64> ids;
  for (qint64 id : runIds) {
    auto r = store_->run(id);
    if (!r || ids.contains(id)) continue;
    if (r->status == RunStatus::Running) {
      message("warning", QString("Run %1 is running: not deleted (cancel it first)").arg(id));
      continue;
    }
    ids << id;
    names << QString("%1: %2 / %3 (%4)").arg(id).arg(q(r->quantName), q(r->task), q(std::string(runStatusName(r->status))));
  }
  if (ids.isEmpty()) return false;
  if (confirm &&
      QMessageBox::question(this, "Delete runs",
                            QString("Delete %1 run(s) with their metrics, items and log?\n\n%2\n\nThis cannot be undone.")
                                .arg(ids.size()).arg(names.mid(0, 12).join("\n") + (names.size() > 12 ? "\n…" : "")),
                            QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
    return false;
  try {
    ExperimentStore writer(dbPath_.toStdString());
    writer.transaction([&] {
      for (qint64 id : ids) writer.deleteRun(id);
    });
  } catch (const Error& e) {
    return fail("Deleting runs failed: " + q(e.what()));
  }
  message("info", QString("Deleted %1 run(s): %2").arg(ids.size()).arg(names.join("; ")));
  reload();
  return true;
}

bool MainWindow::retryRuns(const QList<qint64>& runIds) {
  if (!store_) return false;
  QList<qint64> ids;
  for (qint64 id : runIds) {
    auto r = store_->run(id);
    if (r && (r->status == RunStatus::Failed || r->status == RunStatus::Interrupted) && !ids.contains(id)) ids << id;
  }
  if (ids.isEmpty()) {
    QMessageBox::information(this, "Retry runs", "Select one or more failed or interrupted runs in the Results table.");
    return false;
  }
  if (controller_->running()) {
    QMessageBox::information(this, "Retry runs", "A sweep is running: retry when it has finished.");
    return false;
  }
  pendingRetries_ = ids;
  while (!pendingRetries_.isEmpty())
    if (startRetry(pendingRetries_.takeFirst())) return true;
  return false;
}

bool MainWindow::startRetry(qint64 runId) {
  auto r = store_->run(runId);
  auto m = r ? store_->model(r->modelId) : std::nullopt;
  if (!r || !m) return false;
  if (!QFileInfo(q(m->path)).isDir()) {
    message("error", QString("Run %1 cannot be retried: its model folder %2 is not there").arg(runId).arg(q(m->path)));
    return false;
  }
  SweepSpec spec;
  spec.models = {m->path};
  spec.quantConfigs = {r->quantName};
  spec.tasks = {r->task};
  spec.limit = r->limit;
  spec.seed = static_cast<uint64_t>(r->seed);
  spec.device = AppSettings::device().toStdString();
  spec.tasksDir = taskPanel_->tasksDir().toStdString();
  // The data the run was measured on (the preference only for runs that did not record it).
  spec.dataDir = recordedDataDir(*r, AppSettings::dataDir().toStdString());
  spec.layerStatistics = false;  // already stored with the first attempt
  queueModel_->clear();
  queuePanel_->setSummary(QString("Retrying run %1: %2 / %3").arg(runId).arg(q(r->quantName), q(r->task)));
  queuePanel_->setRunning(true);
  message("info", QString("Retrying run %1 (%2 / %3 / %4)").arg(runId).arg(q(m->path), q(r->quantName), q(r->task)));
  if (!controller_->start(dbPath_, spec)) {
    queuePanel_->setRunning(false);
    return false;
  }
  return true;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls()) {
    const QFileInfo info(url.toLocalFile());
    if (info.isDir()) modelPanel_->openModel(info.absoluteFilePath());
    else if (info.suffix() == "qsdb") openDatabaseInteractive(info.absoluteFilePath());
    else if (info.fileName() == "config.json" || info.suffix() == "safetensors") modelPanel_->openModel(info.absolutePath());
  }
}

}  // namespace qs

#include "moc_main_window.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
