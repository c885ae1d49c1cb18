#include "ui/paper_export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFontDatabase>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <set>

#include "core/base/error.h"
#include "ui/experiment_snapshot.h"
#include "ui/paper_table_model.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QListWidget* checkList(const std::set<std::string>& entries, QWidget* parent) {
  auto* w = new QListWidget(parent);
  for (const auto& e : entries) {
    auto* item = new QListWidgetItem(q(e), w);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Checked);
  }
  w->setMinimumHeight(90);
  return w;
}

std::vector<std::string> checked(const QListWidget* w) {
  std::vector<std::string> out;
  for (int i = 0; i < w->count(); ++i)
    if (w->item(i)->checkState() == Qt::Checked) out.push_back(w->item(i)->text().toStdString());
  return out;
}

}  // namespace

PaperExportDialog::PaperExportDialog(std::shared_ptr<const ExperimentSnapshot> snapshot, QString folder, QWidget* parent)
    : QDialog(parent), snapshot_(std::move(snapshot)), folder_(std::move(folder)) {
  setWindowTitle("Export paper table");
  std::set<std::string> tasks, metrics, configs;
  if (snapshot_)
    for (const auto& p : resultPoints(*snapshot_)) {
      tasks.insert(p.task);
      metrics.insert(p.metric);
      configs.insert(p.quant);
    }
  tasks_ = checkList(tasks, this);
  metrics_ = checkList(metrics, this);
  configs_ = checkList(configs, this);

  auto* lists = new QHBoxLayout;
  for (auto [title, w] : {std::pair{"Tasks", tasks_}, {"Metrics", metrics_}, {"Configurations (rows)", configs_}}) {
    auto* box = new QGroupBox(title, this);
    auto* v = new QVBoxLayout(box);
    v->addWidget(w);
    auto* buttons = new QHBoxLayout;
    auto* all = new QPushButton("All", box);
    auto* none = new QPushButton("None", box);
    buttons->addWidget(all);
    buttons->addWidget(none);
    v->addLayout(buttons);
    for (auto [button, state] : {std::pair{all, Qt::Checked}, {none, Qt::Unchecked}})
      connect(button, &QPushButton::clicked, this, [this, w = w, state = state] {
        for (int i = 0; i < w->count(); ++i) w->item(i)->setCheckState(state);
        refresh();
      });
    connect(w, &QListWidget::itemChanged, this, &PaperExportDialog::refresh);
    lists->addWidget(box);
  }

  format_ = new QComboBox(this);
  format_->addItem("LaTeX (booktabs)", int(TableFormat::Latex));
  format_->addItem("CSV", int(TableFormat::Csv));
  format_->addItem("Markdown", int(TableFormat::Markdown));
  relative_ = new QCheckBox("Relative to FP16 (% change, negative = worse)", this);
  stdError_ = new QCheckBox("± standard error", this);
  boldBest_ = new QCheckBox("Best quantized value of each column in bold", this);
  boldBest_->setChecked(true);
  caption_ = new QLineEdit(this);
  caption_->setPlaceholderText("e.g. Accuracy of OPT-125m under weight-only quantization");
  label_ = new QLineEdit(this);
  label_->setPlaceholderText("e.g. tab:weight-only");
  auto* form = new QFormLayout;
  form->addRow("Format", format_);
  form->addRow(relative_);
  form->addRow(stdError_);
  form->addRow(boldBest_);
  form->addRow("Caption (LaTeX)", caption_);
  form->addRow("Label (LaTeX)", label_);

  preview_ = new QPlainTextEdit(this);
  preview_->setReadOnly(true);
  preview_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  preview_->setLineWrapMode(QPlainTextEdit::NoWrap);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &PaperExportDialog::save);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(lists);
  layout->addLayout(form);
  layout->addWidget(new QLabel("Preview", this));
  layout->addWidget(preview_, 1);
  layout->addWidget(buttons);

  for (QCheckBox* c : {relative_, stdError_, boldBest_}) connect(c, &QCheckBox::toggled, this, &PaperExportDialog::refresh);
  for (QLineEdit* e : {caption_, label_}) connect(e, &QLineEdit::textChanged, this, &PaperExportDialog::refresh);
  connect(format_, &QComboBox::currentIndexChanged, this, &PaperExportDialog::refresh);
  resize(900, 700);
  refresh();
}

TableOptions PaperExportDialog::options() const {
  TableOptions o;
  o.relative = relative_->isChecked();
  o.withStdError = stdError_->isChecked();
  o.boldBest = boldBest_->isChecked();
  o.caption = caption_->text().toStdString();
  o.label = label_->text().toStdString();
  // An empty choice would mean "all" to the table builder; nothing checked means nothing shown.
  o.tasks = checked(tasks_);
  o.metrics = checked(metrics_);
  o.quants = checked(configs_);
  for (auto* v : {&o.tasks, &o.metrics, &o.quants})
    if (v->empty()) v->push_back("\x01none");
  return o;
}

TableFormat PaperExportDialog::format() const { return static_cast<TableFormat>(format_->currentData().toInt()); }

QString PaperExportDialog::text() const {
  if (!snapshot_) return {};
  return q(renderTable(buildResultsTable(resultPoints(*snapshot_), options()), format()));
}

void PaperExportDialog::refresh() { preview_->setPlainText(text()); }

QListWidget* PaperExportDialog::list(const QString& name) const {
  if (name == "tasks") return tasks_;
  if (name == "metrics") return metrics_;
  if (name == "configs") return configs_;
  throw Error("no list named " + name.toStdString());
}

void PaperExportDialog::selectOnly(const QString& name, const QStringList& entries) {
  QListWidget* w = list(name);
  const QSignalBlocker block(w);
  for (int i = 0; i < w->count(); ++i) w->item(i)->setCheckState(entries.contains(w->item(i)->text()) ? Qt::Checked : Qt::Unchecked);
  refresh();
}

void PaperExportDialog::setFormat(TableFormat f) { format_->setCurrentIndex(format_->findData(int(f))); }

void PaperExportDialog::setCaption(const QString& caption, const QString& label) {
  caption_->setText(caption);
  label_->setText(label);
}

void PaperExportDialog::setFlags(bool relative, bool stdError, bool boldBest) {
  relative_->setChecked(relative);
  stdError_->setChecked(stdError);
  boldBest_->setChecked(boldBest);
}

void PaperExportDialog::saveTo(const QString& file) const {
  const QByteArray bytes = text().toUtf8();
  QFile out(file);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(bytes) != bytes.size())
    throw Error((file + ": cannot write: " + out.errorString()).toStdString());
}

void PaperExportDialog::save() {
  const TableFormat f = format();
  const QString suffix = f == TableFormat::Latex ? "tex" : f == TableFormat::Csv ? "csv" : "md";
  const QString filter = f == TableFormat::Latex ? "LaTeX (*.tex)" : f == TableFormat::Csv ? "CSV (*.csv)" : "Markdown (*.md)";
  QString file = QFileDialog::getSaveFileName(this, "Save paper table", folder_ + "/paper_table." + suffix, filter);
  if (file.isEmpty()) return;
  if (QFileInfo(file).suffix().isEmpty()) file += "." + suffix;
  try {
    saveTo(file);
    saved_ = file;
    accept();
  } catch (const Error& e) {
    QMessageBox::warning(this, "Export paper table", q(e.what()));
  }
}

}  // namespace qs

#include "moc_paper_export_dialog.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
