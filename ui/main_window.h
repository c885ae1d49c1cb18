#pragma once
// The workbench window. The experiment database is the document: every result is stored as it
// is produced, so there is nothing to save. Docks: model, quantization, tasks, run queue; tabs:
// curves, heatmaps, results, log. A sweep runs on the SweepController's thread; the views reload
// from the database on a coalescing timer when a run is stored or another process changes it.
#include <QMainWindow>
#include <QTimer>
#include <memory>

#include "ui/figure_export.h"

class QLabel;
class QMenu;
class QTabWidget;

namespace qs {

class CurvesView;
class ExperimentStore;
struct ExperimentSnapshot;
class HeatmapView;
class LogView;
class ModelPanel;
class QuantPanel;
class RecommendationView;
class ResultsView;
class RunQueueModel;
class RunQueuePanel;
class SweepController;
class TaskPanel;
struct SweepSpec;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens (or with create, makes) a database. False when it cannot: lastError() says why (it is
  // also logged); no dialog, so scripts and tests can call it.
  bool openDatabase(const QString& file, bool create = false);
  QString lastError() const { return lastError_; }
  QString databasePath() const { return dbPath_; }
  std::shared_ptr<const ExperimentSnapshot> snapshot() const { return snapshot_; }

  ModelPanel* modelPanel() const { return modelPanel_; }
  QuantPanel* quantPanel() const { return quantPanel_; }
  TaskPanel* taskPanel() const { return taskPanel_; }
  RunQueuePanel* runQueuePanel() const { return queuePanel_; }
  RunQueueModel* runQueueModel() const { return queueModel_; }
  CurvesView* curvesView() const { return curves_; }
  HeatmapView* heatmapView() const { return heatmaps_; }
  ResultsView* resultsView() const { return results_; }
  RecommendationView* recommendationView() const { return recommendation_; }
  LogView* logView() const { return log_; }
  QTabWidget* tabs() const { return tabs_; }
  SweepController* sweepController() const { return controller_; }

  // The sweep the panels describe; empty models/tasks when nothing is chosen.
  SweepSpec currentSpec() const;
  // "N runs = C configs x T tasks x M models + B baselines" for the queue's header.
  QString runCountText() const;

  // Where a file dialog opens: the folder last chosen in one, else the open database's folder,
  // else home; with fileName, that file in it. rememberDialogChoice records a chosen file or
  // folder ("dir/") for the next dialog (QSettings, so it also survives a restart).
  QString dialogPath(const QString& fileName) const;
  void rememberDialogChoice(const QString& path);

 public Q_SLOTS:
  void newDatabase();
  void openDatabaseDialog();
  // openDatabase, with a message box when it fails (menus, drops, the command line).
  void openDatabaseInteractive(const QString& file, bool create = false);
  bool startSweep();
  void cancelAll();
  void reload();  // reads a fresh snapshot now
  void showHelp();
  void showPreferences();
  void exportCurrentChart();
  void exportHeatmap();
  void exportChannelHeatmap();
  void exportResultsTable();
  void exportPaperTable();
  void exportFigureSetDialog();
  // Deletes runs (metrics, items and logs with them; statistics stay, their run cleared) through a
  // read-write connection. With confirm, asks first. A running run is refused. False when nothing
  // was deleted.
  bool deleteRuns(const QList<qint64>& runIds, bool confirm = true);
  // Runs failed or interrupted runs again (one small sweep each, one after the other), with their
  // model, configuration, task, limit, seed and data folder. False when none could be started.
  bool retryRuns(const QList<qint64>& runIds);
  // The docks and window size as on first start (View > Reset layout).
  void resetLayout();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void buildDocks();
  void rebuildRecentMenu();
  void updateRunCount();
  void updateQueueHeader();  // while a sweep runs: runs finished of planned, sweep ETA
  // KV bit-widths off while a selected model has no KV cache (a state-space model).
  void updateKvAvailability();
  void updateTitle();
  void scheduleReload();
  void pollDatabase();
  bool startRetry(qint64 runId);
  void saveLayout() const;
  void restoreLayout();
  QSize defaultSize() const;
  void message(const QString& level, const QString& text);
  bool fail(const QString& error);  // records, logs and shows the error; returns false
  void onSweepFinished(bool cancelled);
  bool confirmNoSweep(const QString& action);
  FigureSize exportSize() const;
  QString tasksDirectory() const;

  std::unique_ptr<ExperimentStore> store_;  // read-only viewer connection
  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  QString dbPath_;
  QString lastError_;
  bool writable_ = false;  // the read-write open succeeded: sweeps may write into it
  uint64_t lastStamp_ = 0;

  ModelPanel* modelPanel_ = nullptr;
  QuantPanel* quantPanel_ = nullptr;
  TaskPanel* taskPanel_ = nullptr;
  RunQueueModel* queueModel_ = nullptr;
  RunQueuePanel* queuePanel_ = nullptr;
  CurvesView* curves_ = nullptr;
  HeatmapView* heatmaps_ = nullptr;
  ResultsView* results_ = nullptr;
  RecommendationView* recommendation_ = nullptr;
  LogView* log_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QMenu* viewMenu_ = nullptr;
  QLabel* statusDb_ = nullptr;
  SweepController* controller_ = nullptr;
  QByteArray defaultLayout_;        // saveState() before any saved layout is restored
  QList<qint64> pendingRetries_;    // retryRuns: started one after the other
  QTimer reloadTimer_;  // coalesces reloads: one per 300 ms however many runs finish
  QTimer pollTimer_;    // notices commits by other processes (a CLI sweep on the same file)
};

}  // namespace qs
