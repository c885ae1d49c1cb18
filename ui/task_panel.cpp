#include "ui/task_panel.h"

#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace qs {
namespace {
constexpr int kNameRole = Qt::UserRole + 1;

// The paper's name for a task kind (its five groups of tasks), shown on the kind's row.
QString paperKindTitle(const QString& kind) {
  if (kind == "basic") return "Basic NLP tasks";
  if (kind == "emergent") return "Emergent abilities";
  if (kind == "trustworthiness") return "Trustworthiness";
  if (kind == "dialogue") return "Dialogue";
  if (kind == "long_context") return "Long context";
  return "Tasks of the family folder " + kind;
}
}  // namespace

TaskPanel::TaskPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  model_ = new QStandardItemModel(this);
  model_->setHorizontalHeaderLabels({"Task", "Version"});
  view_ = new QTreeView(this);
  view_->setModel(model_);
  view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  view_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  layout->addWidget(view_, 1);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  layout->addWidget(status_);
  auto* form = new QFormLayout;
  limit_ = new QSpinBox(this);
  limit_->setRange(0, 10'000'000);
  limit_->setSpecialValueText("all");
  limit_->setToolTip("Examples evaluated per task (--limit); 'all' runs the whole test set");
  form->addRow("Limit", limit_);
  layout->addLayout(form);
  auto* rescan = new QPushButton("Rescan tasks", this);
  connect(rescan, &QPushButton::clicked, this, [this] { setTasksDir(dir_); });
  layout->addWidget(rescan);
  connect(limit_, &QSpinBox::valueChanged, this, &TaskPanel::selectionChanged);
  connect(model_, &QStandardItemModel::itemChanged, this, &TaskPanel::onItemChanged);
}

void TaskPanel::setTasksDir(const QString& dir) {
  const QStringList keep = selectedTasks();
  dir_ = dir;
  catalog_ = scanTasks(dir.toStdString());
  rebuild(keep);
  QStringList lines;
  lines << QString("%1 task%2 in %3").arg(catalog_.tasks.size()).arg(catalog_.tasks.size() == 1 ? "" : "s").arg(dir.toHtmlEscaped());
  for (const auto& p : catalog_.problems) lines << "<span style='color:#b00'>" + QString::fromStdString(p).toHtmlEscaped() + "</span>";
  status_->setText(lines.join("<br>"));
  Q_EMIT selectionChanged();
}

void TaskPanel::rebuild(const QStringList& keepChecked) {
  updating_ = true;
  model_->removeRows(0, model_->rowCount());
  QStandardItem* kindItem = nullptr;
  for (const auto& task : catalog_.tasks) {
    const QString kind = QString::fromStdString(task.kind);
    if (!kindItem || kindItem->text() != kind) {
      kindItem = new QStandardItem(kind);
      kindItem->setCheckable(true);
      kindItem->setToolTip(paperKindTitle(kind));
      model_->appendRow({kindItem, new QStandardItem});
    }
    auto* item = new QStandardItem(QString::fromStdString(task.name));
    const QString name = item->text();
    item->setData(name, kNameRole);
    item->setCheckable(true);
    item->setCheckState(keepChecked.contains(name) ? Qt::Checked : Qt::Unchecked);
    item->setToolTip(QString("%1\n%2").arg(QString::fromStdString(task.summary), QString::fromStdString(task.file.string())).trimmed());
    kindItem->appendRow({item, new QStandardItem(QString::fromStdString(task.version))});
  }
  for (int k = 0; k < model_->rowCount(); ++k) updateKindState(model_->item(k));
  view_->expandAll();
  updating_ = false;
}

// A kind's box checks or clears all its tasks; a task's box sets its kind to all / some / none.
void TaskPanel::onItemChanged(QStandardItem* item) {
  if (updating_ || !item->isCheckable()) return;
  updating_ = true;
  if (!item->parent()) {
    if (item->checkState() != Qt::PartiallyChecked)
      for (int t = 0; t < item->rowCount(); ++t) item->child(t)->setCheckState(item->checkState());
  } else {
    updateKindState(item->parent());
  }
  updating_ = false;
  Q_EMIT selectionChanged();
}

void TaskPanel::updateKindState(QStandardItem* kind) {
  int checked = 0;
  for (int t = 0; t < kind->rowCount(); ++t) checked += kind->child(t)->checkState() == Qt::Checked;
  kind->setCheckState(checked == 0 ? Qt::Unchecked : checked == kind->rowCount() ? Qt::Checked : Qt::PartiallyChecked);
}

QStringList TaskPanel::selectedTasks() const {
  QStringList names;
  for (int k = 0; k < model_->rowCount(); ++k) {
    QStandardItem* kind = model_->item(k);
    for (int t = 0; t < kind->rowCount(); ++t)
      if (kind->child(t)->checkState() == Qt::Checked) names << kind->child(t)->data(kNameRole).toString();
  }
  return names;
}

QStandardItem* TaskPanel::taskItem(const QString& name) const {
  for (int k = 0; k < model_->rowCount(); ++k) {
    QStandardItem* kind = model_->item(k);
    for (int t = 0; t < kind->rowCount(); ++t)
      if (kind->child(t)->data(kNameRole).toString() == name) return kind->child(t);
  }
  return nullptr;
}

bool TaskPanel::setTaskChecked(const QString& name, bool checked) {
  QStandardItem* item = taskItem(name);
  if (!item) return false;
  item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
  return true;
}

qint64 TaskPanel::limit() const { return limit_->value(); }

}  // namespace qs

#include "moc_task_panel.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
