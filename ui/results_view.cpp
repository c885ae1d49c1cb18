#include "ui/results_view.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <cmath>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "tasks/report/results_table.h"
#include "ui/app_settings.h"
#include "ui/experiment_snapshot.h"
#include "ui/flips_dialog.h"
#include "ui/protocol_diff.h"
#include "ui/paper_table_model.h"
#include "ui/results_table_model.h"
#include "ui/table_export.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

bool isEmptyValue(const QVariant& v) {
  return !v.isValid() || (v.typeId() == QMetaType::Double && std::isnan(v.toDouble())) ||
         (v.typeId() == QMetaType::QString && v.toString().isEmpty());
}

// Sorts missing values (a failed run has no metric) last in either order, like a spreadsheet.
class ResultsSortProxy : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;

 protected:
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override {
    const QVariant l = left.data(sortRole()), r = right.data(sortRole());
    const bool le = isEmptyValue(l), re = isEmptyValue(r);
    if (le || re) return le != re && (le ? sortOrder() == Qt::DescendingOrder : sortOrder() == Qt::AscendingOrder);
    return QSortFilterProxyModel::lessThan(left, right);
  }
};

QString prettyJson(const std::string& json) {
  QJsonParseError error;
  QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &error);
  if (error.error != QJsonParseError::NoError) return q(json);
  return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}

}  // namespace

QString runDetailsHtml(const ExperimentStore* store, const ExperimentSnapshot& snapshot, qint64 runId) {
  const RunEntry* e = snapshot.run(runId);
  if (!e) return "<p>No run selected.</p>";
  const RunRecord& r = e->run;
  QString html = QString("<h3>Run %1: %2 · %3 · %4</h3><table>")
                     .arg(r.id)
                     .arg(q(snapshot.modelName(r.modelId)).toHtmlEscaped(), q(r.quantName).toHtmlEscaped(),
                          q(r.task).toHtmlEscaped());
  auto row = [&](const QString& k, const QString& v) {
    html += "<tr><td style='padding-right:10px'><b>" + k + "</b></td><td>" + v.toHtmlEscaped() + "</td></tr>";
  };
  row("Status", q(std::string(runStatusName(r.status))));
  if (const ModelRecord* m = snapshot.model(r.modelId)) {
    row("Model folder", q(m->path));
    row("Model", QString("%1, %2 parameters, %3").arg(q(m->family)).arg(m->parameters).arg(q(m->dtype)));
    row("Fingerprint", q(m->fingerprint));
  }
  row("Task version", q(r.taskVersion));
  row("Limit", r.limit == 0 ? QString("all examples") : QString::number(r.limit));
  row("Seed", QString::number(r.seed));
  row("Device", q(r.device));
  row("Started", q(r.startedAt));
  row("Finished", q(r.finishedAt));
  row("Wall time", QString::number(r.wallSeconds, 'f', 2) + " s");
  row("Tokens", QString::number(r.tokensProcessed) +
                    (r.wallSeconds > 0 ? QString(" (%1 tokens/s)").arg(r.tokensProcessed / r.wallSeconds, 0, 'f', 0) : QString()));
  if (!r.shard.empty()) row("Shard", q(r.shard));
  if (store) {
    try {
      const int64_t items = store->itemCount(r.id);
      row("Per-item results", items ? QString("%1 items (Compare with FP16… lists the flipped ones)").arg(items)
                                    : QString("none (stored before schema version 5, or not finished)"));
    } catch (const Error& err) {
      row("Per-item results", "cannot read: " + q(err.what()));
    }
  }
  html += "</table>";
  // How the numbers were measured: runs compared in one column or chart should agree on it.
  const auto protocol = protocolFields(r);
  html += "<h4>Protocol</h4>";
  if (protocol.empty()) {
    html += "<p>Not recorded (the run was stored before schema version 5).</p>";
  } else {
    html += "<table>";
    for (const auto& [k, v] : protocol) row(q(k), q(v));
    html += "</table>";
  }
  if (!r.errorText.empty()) html += "<p style='color:#b00'><b>Error:</b> " + q(r.errorText).toHtmlEscaped() + "</p>";
  if (!e->metrics.empty()) {
    html += "<h4>Metrics</h4><table><tr><th align='left'>metric</th><th>value</th><th>± stderr</th><th>n</th></tr>";
    for (const auto& m : e->metrics)
      html += QString("<tr><td>%1%2</td><td align='right'>%3</td><td align='right'>%4</td><td align='right'>%5</td></tr>")
                  .arg(q(m.name).toHtmlEscaped(), m.higherIsBetter ? QString(" ↑") : QString(" ↓"))
                  .arg(m.value, 0, 'g', 6)
                  .arg(m.stdError ? QString::number(*m.stdError, 'g', 4) : QString())
                  .arg(m.samples ? QString::number(*m.samples) : QString());
    html += "</table>";
  }
  html += "<h4>Quantization config</h4><pre>" + prettyJson(r.quantJson).toHtmlEscaped() + "</pre>";
  html += "<h4>Software versions</h4><pre>" + prettyJson(r.softwareVersions).toHtmlEscaped() + "</pre>";
  if (store) {
    html += "<h4>Log</h4><pre>";
    try {
      for (const auto& l : store->logs(r.id))
        html += (q(l.time) + " " + q(l.level) + " " + q(l.text)).toHtmlEscaped() + "\n";
    } catch (const Error& err) {
      html += "cannot read the log: " + q(err.what()).toHtmlEscaped();
    }
    html += "</pre>";
  }
  return html;
}

ResultsView::ResultsView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  layout_ = new QComboBox(this);
  layout_->addItem("One row per run and metric");
  layout_->addItem("Paper layout: configs × task/metric");
  layout_->addItem("Paper layout, % change vs FP16");
  layout_->setToolTip("The paper layout is tasks/report/results_table: the same table `quantscope-cli export` writes");
  filter_ = new QLineEdit(this);
  filter_->setPlaceholderText("Filter rows (any column, e.g. W4 or arc_easy)…");
  filter_->setClearButtonEnabled(true);
  controls->addWidget(layout_);
  controls->addWidget(filter_, 1);
  layout->addLayout(controls);
  model_ = new ResultsTableModel(this);
  paper_ = new PaperTableModel(this);
  proxy_ = new ResultsSortProxy(this);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(ResultsTableModel::kSortRole);
  proxy_->setFilterKeyColumn(-1);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  table_ = new QTableView(splitter);
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(ResultsTableModel::RunId, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setAlternatingRowColors(true);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setContextMenuPolicy(Qt::ActionsContextMenu);
  auto* copy = new QAction("Copy rows", table_);
  copy->setShortcut(QKeySequence::Copy);
  copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  connect(copy, &QAction::triggered, this, &ResultsView::copySelection);
  table_->addAction(copy);
  compare_ = new QAction(QString::fromUtf8("Compare with FP16…"), table_);
  compare_->setToolTip("The items this run gets wrong that its FP16 run got right, and the reverse, with McNemar's test");
  compare_->setEnabled(false);
  connect(compare_, &QAction::triggered, this, [this] {
    if (currentRunId() >= 0) compareWithBaseline(currentRunId());
  });
  table_->addAction(compare_);
  compareButton_ = new QPushButton(compare_->text(), this);
  compareButton_->setToolTip(compare_->toolTip());
  compareButton_->setEnabled(false);
  connect(compareButton_, &QPushButton::clicked, compare_, &QAction::trigger);
  controls->addWidget(compareButton_);
  details_ = new QTextBrowser(splitter);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  layout->addWidget(splitter, 1);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    if (current.isValid() && proxy_->sourceModel() == model_)
      showRun(proxy_->data(current, ResultsTableModel::kRunIdRole).toLongLong());
    updateCompareAction();
  });
  connect(layout_, &QComboBox::currentIndexChanged, this, &ResultsView::setLayoutIndex);
}

void ResultsView::setLayoutIndex(int index) {
  if (layout_->currentIndex() != index) {
    layout_->setCurrentIndex(index);  // comes back here through currentIndexChanged
    return;
  }
  paper_->setRelative(index == 2);
  proxy_->setSourceModel(index == 0 ? static_cast<QAbstractItemModel*>(model_) : paper_);
  table_->sortByColumn(-1, Qt::AscendingOrder);  // the paper's own row order until a header is clicked
  proxy_->sort(-1);
  details_->setVisible(index == 0);
  updateCompareAction();
}

qint64 ResultsView::currentRunId() const {
  const QModelIndex current = table_->currentIndex();
  if (!current.isValid() || proxy_->sourceModel() != model_) return -1;
  return proxy_->data(current, ResultsTableModel::kRunIdRole).toLongLong();
}

void ResultsView::updateCompareAction() {
  const RunEntry* e = snapshot_ ? snapshot_->run(currentRunId()) : nullptr;
  const bool can = e && e->run.status == RunStatus::Done && !isBaselineQuant(e->run.quantName) && store_;
  compare_->setEnabled(can);
  compareButton_->setEnabled(can);
}

FlipsDialog* ResultsView::compareWithBaseline(qint64 runId) {
  if (!store_) return nullptr;
  // The data folder of the settings serves runs that recorded none (older files); "" = bundled.
  auto* dialog = new FlipsDialog(store_->file(), runId, AppSettings::tasksDir().toStdString(),
                                 AppSettings::dataDir().toStdString(), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->show();
  return dialog;
}

void ResultsView::setSource(const ExperimentStore* store, std::shared_ptr<const ExperimentSnapshot> snapshot) {
  store_ = store;
  snapshot_ = std::move(snapshot);
  model_->setSnapshot(snapshot_);
  paper_->setSnapshot(snapshot_);
  if (snapshot_ && shownRun_ >= 0) showRun(shownRun_);
  else details_->setHtml("<p>Select a row to see the run's config, protocol, versions, timings and log.</p>");
  updateCompareAction();
}

QList<qint64> ResultsView::selectedRunIds() const {
  QList<qint64> ids;
  if (proxy_->sourceModel() != model_) return ids;
  QModelIndexList rows = table_->selectionModel()->selectedRows();
  std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  for (const QModelIndex& index : rows) {
    const qint64 id = proxy_->data(index, ResultsTableModel::kRunIdRole).toLongLong();
    if (!ids.contains(id)) ids << id;
  }
  return ids;
}

void ResultsView::showRun(qint64 runId) {
  shownRun_ = runId;
  details_->setHtml(snapshot_ ? runDetailsHtml(store_, *snapshot_, runId) : QString());
}

QString ResultsView::detailsHtml() const { return details_->toHtml(); }

QString ResultsView::selectionAsTsv() const {
  QList<int> rows;
  for (const QModelIndex& index : table_->selectionModel()->selectedRows()) rows << index.row();
  if (rows.isEmpty())
    for (int r = 0; r < proxy_->rowCount(); ++r) rows << r;
  std::sort(rows.begin(), rows.end());
  QStringList lines, fields;
  for (int c = 0; c < proxy_->columnCount(); ++c) fields << proxy_->headerData(c, Qt::Horizontal).toString();
  lines << fields.join('\t');
  for (int r : rows) {
    fields.clear();
    for (int c = 0; c < proxy_->columnCount(); ++c) fields << proxy_->index(r, c).data().toString();
    lines << fields.join('\t');
  }
  return lines.join('\n') + '\n';
}

void ResultsView::exportShown(const QString& file) const {
  const QString suffix = QFileInfo(file).suffix().toLower();
  if (proxy_->sourceModel() == paper_ && filter_->text().isEmpty()) {
    const auto format = tableFormatFromName(suffix == "tex" ? "latex" : suffix == "md" ? "markdown" : suffix.toStdString());
    if (!format) throw Error((file + ": unknown table format (use .csv, .tex, .md or .json)").toStdString());
    const std::string text = renderTable(paper_->table(), *format);
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text.data(), qint64(text.size())) != qint64(text.size()))
      throw Error((file + ": cannot write: " + out.errorString()).toStdString());
    return;
  }
  exportTable(*proxy_, file);
}

void ResultsView::copySelection() const { QApplication::clipboard()->setText(selectionAsTsv()); }

}  // namespace qs

#include "moc_results_view.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
