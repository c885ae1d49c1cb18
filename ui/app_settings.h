#pragma once
// The workbench's preferences and recent lists, kept in QSettings (organisation "QuantScope",
// application "quantscope"). One place that knows the keys.
#include <QString>
#include <QStringList>

namespace qs {

class AppSettings {
 public:
  static QString device();  // "cpu", "cuda", "cuda:1"
  static void setDevice(const QString& device);
  static int threads();  // 0 = all cores
  static void setThreads(int threads);
  static QString dataDir();  // "" = the bundled resources/data
  static void setDataDir(const QString& dir);
  // Overrides dataDir() for this process only (the workbench's --data-dir); "" clears it.
  static void setSessionDataDir(const QString& dir);
  static QString tasksDir();  // "" = the bundled resources/tasks
  static void setTasksDir(const QString& dir);
  static int exportDpi();
  static void setExportDpi(int dpi);

  static QStringList recentDatabases();
  static void addRecentDatabase(const QString& path);
  static QStringList recentModels();
  static void addRecentModel(const QString& dir);
  static void clearRecent();

  static constexpr int kMaxRecent = 10;
};

}  // namespace qs
