#include "ui/app_settings.h"

#include <QFileInfo>
#include <QSettings>

namespace qs {
namespace {

QStringList pushRecent(QStringList list, const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  list.removeAll(absolute);
  list.prepend(absolute);
  while (list.size() > AppSettings::kMaxRecent) list.removeLast();
  return list;
}

// Set by the workbench's --data-dir for one session; never written to the preferences.
QString& sessionDataDir() {
  static QString dir;
  return dir;
}

}  // namespace

QString AppSettings::device() { return QSettings().value("run/device", "cpu").toString(); }
void AppSettings::setDevice(const QString& device) { QSettings().setValue("run/device", device); }
int AppSettings::threads() { return QSettings().value("run/threads", 0).toInt(); }
void AppSettings::setThreads(int threads) { QSettings().setValue("run/threads", threads); }
QString AppSettings::dataDir() {
  if (!sessionDataDir().isEmpty()) return sessionDataDir();
  return QSettings().value("paths/data", "").toString();
}
void AppSettings::setSessionDataDir(const QString& dir) { sessionDataDir() = dir; }
void AppSettings::setDataDir(const QString& dir) { QSettings().setValue("paths/data", dir); }
QString AppSettings::tasksDir() { return QSettings().value("paths/tasks", "").toString(); }
void AppSettings::setTasksDir(const QString& dir) { QSettings().setValue("paths/tasks", dir); }
int AppSettings::exportDpi() { return QSettings().value("export/dpi", 300).toInt(); }
void AppSettings::setExportDpi(int dpi) { QSettings().setValue("export/dpi", dpi); }

QStringList AppSettings::recentDatabases() { return QSettings().value("recent/databases").toStringList(); }
void AppSettings::addRecentDatabase(const QString& path) {
  QSettings().setValue("recent/databases", pushRecent(recentDatabases(), path));
}
QStringList AppSettings::recentModels() { return QSettings().value("recent/models").toStringList(); }
void AppSettings::addRecentModel(const QString& dir) {
  QSettings().setValue("recent/models", pushRecent(recentModels(), dir));
}
void AppSettings::clearRecent() {
  QSettings s;
  s.remove("recent/databases");
  s.remove("recent/models");
}

}  // namespace qs
