#include "ui/curves_view.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QToolTip>
#include <QVBoxLayout>

#include "core/store/experiment_store.h"
#include "tasks/report/results_table.h"
#include "ui/background_job.h"
#include "ui/curve_chart.h"
#include "ui/experiment_snapshot.h"

namespace qs {
namespace {

const QuantFamily kFamilies[] = {QuantFamily::Weight, QuantFamily::WeightActivation, QuantFamily::Kv};

QString q(const std::string& s) { return QString::fromStdString(s); }

void setMarkerLook(QLegendMarker* marker, bool visible) {
  marker->setVisible(true);  // hiding a series would hide its entry: keep it, dimmed
  QColor label = marker->labelBrush().color();
  label.setAlphaF(visible ? 1.0 : 0.35);
  marker->setLabelBrush(label);
}

}  // namespace

CurvesView::CurvesView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  task_ = new QComboBox(this);
  task_->setMinimumContentsLength(14);
  metric_ = new QComboBox(this);
  metric_->setMinimumContentsLength(12);
  mode_ = new QComboBox(this);
  mode_->addItem("Absolute", false);
  mode_->addItem("Relative to FP16 (%)", true);
  xAxis_ = new QComboBox(this);
  xAxis_->addItem("x: bit-width", int(CurveXAxis::BitWidth));
  xAxis_->addItem("x: bits per weight", int(CurveXAxis::BitsPerWeight));
  xAxis_->setToolTip("Bit-width of the swept tensor type, or the weights' memory cost in bits per weight with "
                     "scales and zero points (weight-only series: formats, group sizes and mixed precision at their cost)");
  log_ = new QCheckBox("Log y", this);
  log_->setToolTip("Logarithmic value axis (on by default for perplexities; not in the relative view)");
  controls->addWidget(new QLabel("Task"));
  controls->addWidget(task_);
  controls->addWidget(new QLabel("Metric"));
  controls->addWidget(metric_);
  controls->addWidget(mode_);
  controls->addWidget(xAxis_);
  controls->addWidget(log_);
  const char* names[] = {"W", "WA", "KV"};
  const char* tips[] = {"Weight-only configurations (x = weight bits)",
                        "Weight-activation configurations (x = activation bits, one series per weight bit-width)",
                        "KV-cache configurations (x = KV bits)"};
  for (int i = 0; i < 3; ++i) {
    families_[i] = new QCheckBox(names[i], this);
    families_[i]->setChecked(true);
    families_[i]->setToolTip(tips[i]);
    controls->addWidget(families_[i]);
    connect(families_[i], &QCheckBox::toggled, this, &CurvesView::rebuild);
  }
  controls->addStretch(1);
  layout->addLayout(controls);
  view_ = new QChartView(this);
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setChart(new QChart);
  layout->addWidget(view_, 1);
  notes_ = new QLabel(this);
  notes_->setWordWrap(true);
  layout->addWidget(notes_);

  connect(task_, &QComboBox::currentIndexChanged, this, [this] {
    if (updating_) return;
    fillMetrics();
    rebuild();
  });
  connect(metric_, &QComboBox::currentIndexChanged, this, [this] {
    if (updating_) return;
    updating_ = true;
    log_->setChecked(isPerplexityMetric(metric_->currentText().toStdString()));
    updating_ = false;
    rebuild();
  });
  connect(mode_, &QComboBox::currentIndexChanged, this, &CurvesView::rebuild);
  connect(xAxis_, &QComboBox::currentIndexChanged, this, &CurvesView::rebuild);
  connect(log_, &QCheckBox::toggled, this, &CurvesView::rebuild);
}

QCheckBox* CurvesView::familyBox(QuantFamily family) const {
  for (int i = 0; i < 3; ++i)
    if (kFamilies[i] == family) return families_[i];
  return nullptr;
}

void CurvesView::setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  if (!snapshot_ || snapshot_->file != significanceFile_) {
    significance_.clear();
    significanceFile_ = snapshot_ ? snapshot_->file : std::string();
  }
  fillTasks();
  rebuild();
  startSignificanceTests();
}

void CurvesView::startSignificanceTests() {
  if (!snapshot_ || snapshot_->file.empty()) return;
  if (testing_) {
    retest_ = true;
    return;
  }
  // A done run's items never change: each is tested once, except while it has no FP16 partner
  // (a later sweep may add one).
  std::vector<int64_t> ids;
  for (const auto& e : snapshot_->runs) {
    if (e.run.status != RunStatus::Done || isBaselineQuant(e.run.quantName)) continue;
    auto known = significance_.find(e.run.id);
    if (known == significance_.end() || known->second.baselineRunId == 0) ids.push_back(e.run.id);
  }
  if (ids.empty()) return;
  testing_ = true;
  const std::string file = snapshot_->file;
  runInBackground<SignificanceMap>(
      this,
      [file, ids] {
        ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
        return testAgainstBaselines(store, ids);
      },
      [this, file](JobOutcome<SignificanceMap> outcome) {
        testing_ = false;
        // An unreadable file leaves the points untested; the window reports the file's problems.
        if (file == significanceFile_ && outcome.error.isEmpty()) {
          for (auto& [id, s] : outcome.result) significance_[id] = std::move(s);
          rebuild();
        }
        if (std::exchange(retest_, false)) startSignificanceTests();
      });
}

void CurvesView::fillTasks() {
  updating_ = true;
  const QString keep = task_->currentText();
  task_->clear();
  if (snapshot_)
    for (const auto& t : snapshot_->tasks()) task_->addItem(q(t));
  task_->setCurrentIndex(std::max(0, task_->findText(keep)));
  updating_ = false;
  fillMetrics();
}

void CurvesView::fillMetrics() {
  updating_ = true;
  const QString keep = metric_->currentText();
  metric_->clear();
  std::vector<std::string> names;
  if (snapshot_) names = snapshot_->metricNames(task_->currentText().toStdString());
  for (const auto& m : names) metric_->addItem(q(m));
  // Keep the metric across task changes when the new task has it; else open on the task's score.
  const int index = metric_->findText(keep);
  metric_->setCurrentIndex(index >= 0 ? index : std::max(0, metric_->findText(q(preferredMetric(names)))));
  if (index < 0) log_->setChecked(isPerplexityMetric(metric_->currentText().toStdString()));
  updating_ = false;
}

CurveOptions CurvesView::options() const {
  CurveOptions o;
  o.task = task_->currentText().toStdString();
  o.metric = metric_->currentText().toStdString();
  o.relative = mode_->currentData().toBool();
  o.xAxis = static_cast<CurveXAxis>(xAxis_->currentData().toInt());
  o.families.clear();
  for (int i = 0; i < 3; ++i)
    if (families_[i]->isChecked()) o.families.insert(kFamilies[i]);
  return o;
}

bool CurvesView::logY() const { return log_->isChecked(); }

QChart* CurvesView::chart() const { return view_->chart(); }

QString CurvesView::title() const {
  const CurveOptions o = options();
  return q(o.task + ": " + o.metric + " vs bit-width" + (o.relative ? " (relative to FP16)" : ""));
}

void CurvesView::rebuild() {
  if (updating_) return;
  log_->setEnabled(!mode_->currentData().toBool());
  curves_ = snapshot_ ? buildCurves(*snapshot_, options(), &significance_) : CurveSet{};
  ChartStyle style = ChartStyle::screen();
  style.title = task_->count() ? title() : QString("No finished runs with metrics in this database");
  style.logY = logY();
  QChart* old = view_->chart();
  view_->setChart(makeCurveChart(curves_, style));
  delete old;
  connectLegend();
  notes_->setText(notesHtml());
}

QString CurvesView::notesHtml() const {
  QStringList notes;
  if (!curves_.protocolWarnings.empty()) {
    QStringList what;
    for (const auto& w : curves_.protocolWarnings) what << q(w).toHtmlEscaped();
    notes << QString::fromUtf8("<span style='color:#a05a00'>\u26a0 The runs on this chart differ in protocol, so their "
                               "numbers are not strictly comparable: ") +
                 what.join("; ") + "</span>";
  }
  for (const auto& n : curves_.notes) notes << q(n).toHtmlEscaped();
  if (!curves_.series.empty()) {
    // The relative view is signed so that negative is worse, whatever the metric's direction.
    const bool relative = curves_.options.relative;
    notes << QString("Higher is %1%2. Whiskers: ± standard error.")
                 .arg(relative || curves_.higherIsBetter ? "better" : "worse")
                 .arg(relative ? " (percent change against FP16, signed so that negative is worse)" : "");
  }
  if (curves_.testedPoints > 0)
    notes << QString::fromUtf8("\u2605 = the run differs from its FP16 run at p &lt; 0.05 (McNemar's exact test on the paired "
                               "items; a paired t-test where items are not right / wrong): %1 of %2 tested points. Points "
                               "without per-item results are not tested; hover a point for its p-value.")
                 .arg(curves_.significantPoints)
                 .arg(curves_.testedPoints);
  return notes.join("<br>");
}

void CurvesView::connectLegend() {
  QChart* chart = view_->chart();
  for (QAbstractSeries* s : chart->series()) {
    auto* line = qobject_cast<QXYSeries*>(s);
    if (!line || line->property("legendOnly").toBool()) continue;
    // Lines, their markers, whiskers and stars: hovering any shows the nearest point's numbers.
    connect(line, &QXYSeries::hovered, this, [this, line](const QPointF& point, bool state) {
      const QString text = state ? curveToolTipAt(line, point) : QString();
      if (text.isEmpty()) QToolTip::hideText();
      else QToolTip::showText(QCursor::pos(), text, view_);
    });
    if (line->property("whiskerOf").isValid()) continue;
    for (QLegendMarker* marker : chart->legend()->markers(line)) {
      connect(marker, &QLegendMarker::clicked, this, [chart, line, marker] {
        const bool visible = !line->isVisible();
        line->setVisible(visible);
        for (QAbstractSeries* other : chart->series())
          if (other->property("whiskerOf").value<QObject*>() == line) other->setVisible(visible);
        setMarkerLook(marker, visible);
      });
    }
  }
}

void CurvesView::exportChartTo(const QString& file, const FigureSize& size) const {
  ChartStyle style = ChartStyle::publication();
  style.title = title();
  style.logY = logY();
  std::unique_ptr<QChart> chart(makeCurveChart(curves_, style));
  // Keep what the user hid in the legend hidden in the figure.
  const auto shown = view_->chart()->series();
  for (QAbstractSeries* s : chart->series())
    for (QAbstractSeries* on : shown)
      if (on->name() == s->name() && !on->name().isEmpty() && !on->isVisible()) {
        s->setVisible(false);
        for (QAbstractSeries* w : chart->series())
          if (w->property("whiskerOf").value<QObject*>() == s) w->setVisible(false);
      }
  exportChart(chart.get(), file, size);
}

}  // namespace qs

#include "moc_curves_view.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
