#include "ui/flips_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "core/store/experiment_store.h"
#include "ui/background_job.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The table shows one line of each text: the details pane has the rest.
QString oneLine(const std::string& s, int max = 90) {
  QString t = q(s).simplified();
  return t.size() > max ? t.left(max - 1) + QString::fromUtf8("…") : t;
}

// The item's own id, else the document's (items of older files record none).
std::string documentId(const FlipEntry& f) {
  if (!f.other.docId.empty()) return f.other.docId;
  return f.document ? f.document->id : std::string();
}

QString answerHtml(const ItemRecord& item, const DocumentPreview* doc) {
  const std::string a = describeAnswer(item, doc);
  QString html = a.empty() ? QString("<i>no answer recorded</i>") : q(a).toHtmlEscaped().replace("\n", "<br>");
  if (item.score) html += *item.score == 1.0 ? " <span style='color:#176b1c'>(right)</span>" : " <span style='color:#b00'>(wrong)</span>";
  return html;
}

}  // namespace

FlipsDialog::FlipsDialog(const std::filesystem::path& database, qint64 runId, const std::filesystem::path& tasksDir,
                         const std::filesystem::path& dataDir, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(QString("Run %1 against FP16: flipped items").arg(runId));
  resize(980, 680);
  auto* layout = new QVBoxLayout(this);
  summary_ = new QLabel("Reading the per-item results and the task's documents…", this);
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);
  auto* controls = new QHBoxLayout;
  filter_ = new QComboBox(this);
  filter_->addItem("All flipped items");
  filter_->addItem(QString::fromUtf8("Lost: right in FP16 → wrong here"));
  filter_->addItem(QString::fromUtf8("Gained: wrong in FP16 → right here"));
  controls->addWidget(new QLabel("Show", this));
  controls->addWidget(filter_);
  controls->addStretch(1);
  layout->addLayout(controls);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  table_ = new QTableWidget(0, 5, splitter);
  table_->setHorizontalHeaderLabels({"Flip", "Document", "Question", "FP16 answer", "This run's answer"});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setWordWrap(false);
  details_ = new QTextBrowser(splitter);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  layout->addWidget(splitter, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  connect(filter_, &QComboBox::currentIndexChanged, this, &FlipsDialog::fillTable);
  connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) { showFlip(row); });

  const std::string file = database.string();
  runInBackground<FlipsReport>(
      this,
      [file, runId, tasksDir, dataDir] {
        ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
        return loadFlips(store, runId, tasksDir, dataDir);
      },
      [this](JobOutcome<FlipsReport> outcome) { setReport(std::move(outcome.result), outcome.error); });
}

void FlipsDialog::setReport(FlipsReport report, const QString& error) {
  report_ = std::move(report);
  loading_ = false;
  QString text = error.isEmpty() ? q(flipsSummary(report_)).toHtmlEscaped() : error.toHtmlEscaped();
  if (!error.isEmpty() || !report_.problem.empty()) text = "<span style='color:#b00'>" + text + "</span>";
  if (!report_.documentProblem.empty())
    text += "<br><span style='color:#a05a00'>" + q(report_.documentProblem).toHtmlEscaped() + "</span>";
  summary_->setText(text);
  fillTable();
}

QString FlipsDialog::summaryText() const { return summary_->text(); }

void FlipsDialog::fillTable() {
  table_->setRowCount(0);
  const int filter = filter_->currentIndex();
  for (size_t i = 0; i < report_.flips.size(); ++i) {
    const FlipEntry& f = report_.flips[i];
    if ((filter == 1 && !f.lost) || (filter == 2 && f.lost)) continue;
    const DocumentPreview* doc = f.document ? &*f.document : nullptr;
    const int row = table_->rowCount();
    table_->insertRow(row);
    auto* direction = new QTableWidgetItem(f.lost ? QString::fromUtf8("lost (right → wrong)") : QString::fromUtf8("gained (wrong → right)"));
    direction->setForeground(f.lost ? QColor(170, 0, 0) : QColor(23, 107, 28));
    direction->setData(Qt::UserRole, int(i));
    table_->setItem(row, 0, direction);
    QString docText = QString::number(f.other.docIndex);
    if (const std::string id = documentId(f); !id.empty()) docText += " (" + q(id) + ")";
    table_->setItem(row, 1, new QTableWidgetItem(docText));
    auto text = [&](int column, const std::string& full, int max) {
      auto* item = new QTableWidgetItem(oneLine(full, max));
      item->setToolTip(q(full.substr(0, 600)));
      table_->setItem(row, column, item);
    };
    text(2, doc ? doc->prompt : std::string("—"), 90);
    text(3, describeAnswer(f.reference, doc), 60);
    text(4, describeAnswer(f.other, doc), 60);
  }
  table_->resizeColumnsToContents();
  // Long questions and generations are elided: the details pane below has them whole.
  table_->setColumnWidth(2, std::min(table_->columnWidth(2), 380));
  for (int c : {3, 4}) table_->setColumnWidth(c, std::min(table_->columnWidth(c), 230));
  if (table_->rowCount() > 0) table_->setCurrentCell(0, 0);
  else
    details_->setHtml(report_.problem.empty() && !loading_ && report_.comparison.binary
                          ? "<p>No item of this kind flipped.</p>"
                          : QString());
}

void FlipsDialog::showFlip(int row) {
  if (row < 0 || row >= table_->rowCount()) return;
  const FlipEntry& f = report_.flips[table_->item(row, 0)->data(Qt::UserRole).toInt()];
  const DocumentPreview* doc = f.document ? &*f.document : nullptr;
  const std::string id = documentId(f);
  QString html = QString("<h3>Document %1%2 · %3</h3>")
                     .arg(f.other.docIndex)
                     .arg(id.empty() ? QString() : " (" + q(id).toHtmlEscaped() + ")")
                     .arg(f.lost ? QString::fromUtf8("lost: right in FP16, wrong in this run")
                                 : QString::fromUtf8("gained: wrong in FP16, right in this run"));
  if (doc) {
    html += "<pre style='white-space:pre-wrap'>" + q(doc->prompt).toHtmlEscaped() + "</pre>";
    if (!doc->choices.empty()) {
      html += "<table cellpadding='2'>";
      for (int c = 0; c < int(doc->choices.size()); ++c) {
        QStringList marks;
        if (c == doc->gold) marks << QString::fromUtf8("<b style='color:#176b1c'>✓ gold</b>");
        if (f.reference.chosen && *f.reference.chosen == c) marks << "FP16's pick";
        if (f.other.chosen && *f.other.chosen == c) marks << "this run's pick";
        html += QString("<tr><td>(%1)</td><td>%2</td><td>%3</td></tr>")
                    .arg(q(choiceLetter(c)), q(doc->choices[c]).toHtmlEscaped(), marks.join(", "));
      }
      html += "</table>";
    } else if (!doc->target.empty()) {
      html += "<p><b>Target:</b> " + q(doc->target).toHtmlEscaped() + "</p>";
    }
    if (!doc->where.empty()) html += "<p style='color:#666'>from " + q(doc->where).toHtmlEscaped() + "</p>";
  } else {
    html += "<p><i>The document could not be read from the task data.</i></p>";
  }
  html += "<p><b>FP16 answer:</b> " + answerHtml(f.reference, doc) + "</p>";
  html += "<p><b>This run's answer:</b> " + answerHtml(f.other, doc) + "</p>";
  details_->setHtml(html);
}

QString FlipsDialog::detailsHtml() const { return details_->toHtml(); }

}  // namespace qs

#include "moc_flips_dialog.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
