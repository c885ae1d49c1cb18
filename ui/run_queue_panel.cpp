#include "ui/run_queue_panel.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/run_queue_model.h"

namespace qs {
namespace {

// Draws the Progress column as a progress bar.
class ProgressDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = qRound(index.data(RunQueueModel::kProgressRole).toDouble() * 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.state = option.state | QStyle::State_Horizontal;
    QStyle* style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
  }
};

}  // namespace

RunQueuePanel::RunQueuePanel(RunQueueModel* model, QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  layout->addWidget(summary_);
  view_ = new QTableView(this);
  view_->setModel(model);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setItemDelegateForColumn(RunQueueModel::Progress, new ProgressDelegate(view_));
  view_->verticalHeader()->hide();
  view_->horizontalHeader()->setStretchLastSection(true);
  view_->setAlternatingRowColors(true);
  layout->addWidget(view_, 1);
  auto* buttons = new QHBoxLayout;
  start_ = new QPushButton("Start sweep", this);
  start_->setToolTip("Run every configuration on every checked task of every checked model (Ctrl+R)");
  cancelSelected_ = new QPushButton("Cancel selected", this);
  cancelAll_ = new QPushButton("Cancel all", this);
  buttons->addWidget(start_);
  buttons->addStretch(1);
  buttons->addWidget(cancelSelected_);
  buttons->addWidget(cancelAll_);
  layout->addLayout(buttons);
  connect(start_, &QPushButton::clicked, this, &RunQueuePanel::startRequested);
  connect(cancelSelected_, &QPushButton::clicked, this, [this] { Q_EMIT cancelRowsRequested(selectedRows()); });
  connect(cancelAll_, &QPushButton::clicked, this, &RunQueuePanel::cancelAllRequested);
  setRunning(false);
}

void RunQueuePanel::setSummary(const QString& html) { summary_->setText(html); }

void RunQueuePanel::setRunning(bool running) {
  start_->setEnabled(!running);
  cancelSelected_->setEnabled(running);
  cancelAll_->setEnabled(running);
}

QList<int> RunQueuePanel::selectedRows() const {
  QList<int> rows;
  for (const QModelIndex& index : view_->selectionModel()->selectedRows()) rows << index.row();
  std::sort(rows.begin(), rows.end());
  return rows;
}

}  // namespace qs

#include "moc_run_queue_panel.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
