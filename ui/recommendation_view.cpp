#include "ui/recommendation_view.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFont>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableWidget>
#include <QTextDocument>
#include <QVBoxLayout>
#include <set>

#include "core/store/experiment_store.h"
#include "ui/app_settings.h"
#include "ui/background_job.h"
#include "ui/experiment_snapshot.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

const ConfigCategory kCategories[] = {ConfigCategory::WeightOnly, ConfigCategory::WeightActivation,
                                      ConfigCategory::KvCache, ConfigCategory::Combined};

QString groupLabel(const Recommendation& r) {
  if (r.model.empty()) return "(nothing to recommend)";
  const QString kind = r.kind == "all" ? QString("all task kinds together") : q(r.kind) + " tasks";
  return q(r.model) + " · " + kind;
}

QString percent(double v) { return QString::asprintf("%+.2f%%", v); }

}  // namespace

RecommendationView::RecommendationView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  budget_ = new QDoubleSpinBox(this);
  budget_->setRange(0, 100);
  budget_->setDecimals(1);
  budget_->setSingleStep(0.5);
  budget_->setValue(2.0);
  budget_->setSuffix(" %");
  budget_->setToolTip("Largest acceptable loss against FP16, in percent of the FP16 value (the paper's criterion is 2 %)");
  tasks_ = new QLineEdit(this);
  tasks_->setPlaceholderText("all tasks — or e.g. arc_easy, lambada_openai");
  tasks_->setClearButtonEnabled(true);
  group_ = new QComboBox(this);
  group_->setMinimumContentsLength(30);
  group_->setToolTip("Model and task kind; 'all task kinds together' averages over every task of the model");
  status_ = new QLabel(this);
  controls->addWidget(new QLabel("Loss budget", this));
  controls->addWidget(budget_);
  controls->addWidget(new QLabel("Tasks", this));
  controls->addWidget(tasks_, 1);
  controls->addWidget(group_, 1);
  controls->addWidget(status_);
  layout->addLayout(controls);
  cheapest_ = new QLabel(this);
  cheapest_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(cheapest_);
  table_ = new QTableWidget(this);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->hide();
  table_->setAlternatingRowColors(true);
  layout->addWidget(table_, 1);
  notes_ = new QLabel(this);
  notes_->setWordWrap(true);
  notes_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(notes_);

  debounce_.setSingleShot(true);
  debounce_.setInterval(250);
  connect(&debounce_, &QTimer::timeout, this, &RecommendationView::compute);
  connect(budget_, &QDoubleSpinBox::valueChanged, this, &RecommendationView::recompute);
  connect(tasks_, &QLineEdit::textChanged, this, &RecommendationView::recompute);
  connect(group_, &QComboBox::currentIndexChanged, this, &RecommendationView::showGroup);
}

void RecommendationView::setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  QStringList tasks;
  if (snapshot_)
    for (const auto& e : snapshot_->runs)
      if (!tasks.contains(q(e.run.task))) tasks << q(e.run.task);
  tasks.sort();
  tasks_->setToolTip("Comma-separated task names to judge by; empty = every task with an FP16 run.\nIn this database: " +
                     tasks.join(", "));
  if (!isVisible()) {
    stale_ = true;
    return;
  }
  compute();  // a new snapshot: no reason to wait
}

void RecommendationView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (std::exchange(stale_, false)) compute();
}

RecommendOptions RecommendationView::options() const {
  RecommendOptions o;
  o.budgetPercent = budget_->value();
  for (const QString& t : tasks_->text().split(QRegularExpression("[,\\s]+"), Qt::SkipEmptyParts))
    o.tasks.push_back(t.toStdString());
  o.tasksDir = AppSettings::tasksDir().toStdString();
  return o;
}

void RecommendationView::recompute() {
  pending_ = true;
  debounce_.start();
}

void RecommendationView::compute() {
  debounce_.stop();
  if (!snapshot_ || snapshot_->file.empty()) {
    pending_ = false;
    setResults({}, {}, options());
    return;
  }
  if (busy_) {  // the running computation is stale: start again when it ends
    pending_ = true;
    return;
  }
  pending_ = false;
  busy_ = true;
  status_->setText(QString::fromUtf8("computing…"));
  const std::string file = snapshot_->file;
  const RecommendOptions o = options();
  runInBackground<std::vector<Recommendation>>(
      this,
      [file, o] {
        ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
        return recommend(store, o);
      },
      [this, o](JobOutcome<std::vector<Recommendation>> outcome) {
        busy_ = false;
        setResults(std::move(outcome.result), outcome.error, o);
        if (pending_ && !debounce_.isActive()) compute();
      });
}

void RecommendationView::setResults(std::vector<Recommendation> recs, const QString& error, const RecommendOptions& used) {
  recs_ = std::move(recs);
  used_ = used;
  status_->setText(error.isEmpty() ? QString() : "<span style='color:#b00'>" + error.toHtmlEscaped() + "</span>");
  fillGroups();
}

void RecommendationView::fillGroups() {
  const QString keep = group_->currentText();
  {
    const QSignalBlocker block(group_);
    group_->clear();
    for (const auto& r : recs_) group_->addItem(groupLabel(r));
    group_->setCurrentIndex(std::max(0, group_->findText(keep)));
  }
  showGroup();
}

void RecommendationView::showGroup() {
  table_->clear();
  table_->setRowCount(0);
  table_->setColumnCount(0);
  const int index = group_->currentIndex();
  if (index < 0 || index >= int(recs_.size())) {
    cheapest_->setText(snapshot_ ? QString() : QString("Open an experiment database to see recommendations."));
    notes_->clear();
    return;
  }
  const Recommendation& rec = recs_[index];
  const QString budget = QString::number(used_.budgetPercent, 'g', 3) + " %";
  QString html;
  if (!rec.configs.empty()) {
    html = "<b>Cheapest within " + budget + " of FP16 on the average of " + QString::number(rec.tasks.size()) +
           " task(s):</b><table cellpadding='3'><tr>";
    for (ConfigCategory c : kCategories) {
      auto it = rec.cheapest.find(c);
      html += QString("<td>%1:</td><td><b>%2</b></td><td width='18'></td>")
                  .arg(categoryName(c), it == rec.cheapest.end() ? QString("<span style='color:#b00'>none</span>")
                                                                 : q(it->second).toHtmlEscaped());
    }
    html += "</tr></table>";
  }
  cheapest_->setText(html);

  // Columns: config, type, bits/weight, mean loss, then one per task of the group.
  QStringList headers{"Config", "Type", "Bits/weight", "Mean loss"};
  for (const auto& t : rec.tasks) headers << q(t) + " loss";
  table_->setColumnCount(headers.size());
  table_->setHorizontalHeaderLabels(headers);
  table_->horizontalHeaderItem(3)->setToolTip("Mean loss over the group's tasks, in % of FP16 (positive = worse)");
  std::set<std::string> cheapest;
  for (const auto& [c, quant] : rec.cheapest) cheapest.insert(quant);
  const QColor ok(220, 240, 220), over(250, 225, 225);
  for (const auto& c : rec.configs) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    auto set = [&](int column, const QString& text, const QString& tip = {}) {
      auto* item = new QTableWidgetItem(text);
      if (!tip.isEmpty()) item->setToolTip(tip);
      if (column >= 2) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (cheapest.count(c.quant)) {
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
      }
      table_->setItem(row, column, item);
      return item;
    };
    set(0, q(c.quant), cheapest.count(c.quant) ? "The cheapest acceptable configuration of its type" : QString());
    set(1, categoryName(c.category));
    set(2, QString::number(c.bitsPerWeight, 'g', 3) + (c.bitsNominal ? "~" : ""),
        c.bitsNominal ? "From the name on a 4096 × 4096 linear: the run stored no bits per weight" : QString());
    if (c.averageLoss) {
      set(3, percent(*c.averageLoss), c.withinAverage ? "within the budget" : "over the budget")
          ->setBackground(c.withinAverage ? ok : over);
    } else {
      set(3, "n/a", "Not run on: " + [&] {
        QStringList m;
        for (const auto& t : c.missing) m << q(t);
        return m.join(", ");
      }());
    }
    for (size_t t = 0; t < rec.tasks.size(); ++t) {
      auto v = std::find_if(c.tasks.begin(), c.tasks.end(), [&](const TaskVerdict& x) { return x.task == rec.tasks[t]; });
      if (v == c.tasks.end()) {
        set(4 + int(t), QString::fromUtf8("—"), "not run");
        continue;
      }
      QString tip = QString("%1: %2 against FP16's %3").arg(q(v->metric)).arg(v->value, 0, 'g', 4).arg(v->baseline, 0, 'g', 4);
      if (v->pValue) tip += QString("\np = %1 (%2)%3").arg(*v->pValue, 0, 'g', 3).arg(q(v->test))
                                .arg(v->significant ? ": more than noise" : ": could be noise");
      set(4 + int(t), percent(v->lossPercent) + (v->significant ? "*" : ""), tip)->setBackground(v->within ? ok : over);
    }
  }
  table_->resizeColumnsToContents();

  QStringList notes;
  for (const auto& n : rec.notes) notes << q(n).toHtmlEscaped();
  if (!rec.configs.empty())
    notes << "Loss in % of the FP16 value, positive = worse; * = the difference is more than noise at p &lt; " +
                 QString::number(used_.alpha) +
                 " (McNemar's exact test on the paired items, a paired t-test for other item scores, else the standard "
                 "errors). Green: within the budget. ~ = bits per weight from the configuration's name.";
  notes_->setText(notes.join("<br>"));
}

QString RecommendationView::cheapestText() const {
  QTextDocument doc;
  doc.setHtml(cheapest_->text());
  return doc.toPlainText();
}

QString RecommendationView::notesText() const {
  QTextDocument doc;
  doc.setHtml(notes_->text());
  return doc.toPlainText();
}

QString RecommendationView::reportText() const {
  const int index = group_->currentIndex();
  if (index < 0 || index >= int(recs_.size())) return {};
  return q(formatRecommendations({recs_[index]}, used_));
}

}  // namespace qs

#include "moc_recommendation_view.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
