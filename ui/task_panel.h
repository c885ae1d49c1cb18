#pragma once
// The task panel: the task files of the tasks directory, grouped by kind, each checkable, and the
// --limit (examples per task; 0 = all).
#include <QWidget>

#include "ui/task_catalog.h"

class QLabel;
class QSpinBox;
class QStandardItem;
class QStandardItemModel;
class QTreeView;

namespace qs {

class TaskPanel : public QWidget {
  Q_OBJECT
 public:
  explicit TaskPanel(QWidget* parent = nullptr);

  // Rescans `dir` for task files; keeps the checked state of tasks that are still there.
  void setTasksDir(const QString& dir);
  QString tasksDir() const { return dir_; }
  const TaskCatalog& catalog() const { return catalog_; }

  QStringList selectedTasks() const;
  // False when there is no such task.
  bool setTaskChecked(const QString& name, bool checked);
  qint64 limit() const;
  QSpinBox* limitBox() const { return limit_; }
  // Kinds are the top-level rows; their tasks are the children (checkable).
  QStandardItemModel* model() const { return model_; }
  QTreeView* view() const { return view_; }

 Q_SIGNALS:
  void selectionChanged();

 private:
  void rebuild(const QStringList& keepChecked);
  void onItemChanged(QStandardItem* item);
  void updateKindState(QStandardItem* kind);
  QStandardItem* taskItem(const QString& name) const;

  QString dir_;
  TaskCatalog catalog_;
  QStandardItemModel* model_ = nullptr;
  QTreeView* view_ = nullptr;
  QSpinBox* limit_ = nullptr;
  QLabel* status_ = nullptr;
  bool updating_ = false;
};

}  // namespace qs
