#include "ui/curve_chart.h"

#include <QChart>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>
#include <cmath>
#include <limits>
#include <map>

namespace qs {
namespace {

// Colour-blind-safe palette (Okabe-Ito) for up to eight series; it repeats after that.
// Paul Tol's colour-blind-safe "muted" palette (nine colours; none is the baselines' black or
// greys, none a pale yellow without contrast on white).
const QColor kPalette[] = {QColor(0x33, 0x22, 0x88), QColor(0x88, 0xCC, 0xEE), QColor(0x44, 0xAA, 0x99),
                           QColor(0x11, 0x77, 0x33), QColor(0x99, 0x99, 0x33), QColor(0xCC, 0x66, 0x77),
                           QColor(0x88, 0x22, 0x55), QColor(0xAA, 0x44, 0x99), QColor(0xDD, 0x77, 0x00)};

// Each series' colour follows from its name (FNV-1a), not from its position among the series
// drawn, so new results do not recolour the others; a name whose colour is taken (taken in name
// order) moves to the next free one, so series on one chart differ while there are colours left.
std::map<std::string, QColor> seriesColors(const std::vector<CurveSeries>& series) {
  std::vector<std::string> names;
  for (const auto& s : series) names.push_back(s.name);
  std::sort(names.begin(), names.end());
  std::vector<bool> used(std::size(kPalette), false);
  size_t usedCount = 0;
  std::map<std::string, QColor> out;
  for (const auto& name : names) {
    uint32_t h = 2166136261u;
    for (unsigned char c : name) h = (h ^ c) * 16777619u;
    size_t i = h % std::size(kPalette);
    if (usedCount < used.size())
      while (used[i]) i = (i + 1) % used.size();
    if (!used[i]) ++usedCount;
    used[i] = true;
    out[name] = kPalette[i];
  }
  return out;
}

Qt::PenStyle familyPen(QuantFamily f) {
  return f == QuantFamily::Kv ? Qt::DashDotLine : f == QuantFamily::WeightActivation ? Qt::DotLine : Qt::SolidLine;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool valid() const { return lo <= hi; }
};

QLineSeries* whisker(double x, double lo, double hi, const QColor& color) {
  auto* s = new QLineSeries;
  s->append(x, lo);
  s->append(x, hi);
  s->setPen(QPen(color, 1.0));
  return s;
}

}  // namespace

ChartStyle ChartStyle::publication() {
  ChartStyle s;
  s.titleFont = QFont("DejaVu Sans");
  s.titleFont.setPixelSize(11);
  s.titleFont.setBold(true);
  s.labelFont = QFont("DejaVu Sans");
  s.labelFont.setPixelSize(9);
  s.legendFont = s.labelFont;
  s.legendFont.setPixelSize(8);
  s.margin = 2;  // a figure's whitespace is the document's business
  return s;
}

ChartStyle ChartStyle::screen() {
  ChartStyle s;
  s.titleFont = QFont();
  s.titleFont.setBold(true);
  s.labelFont = QFont();
  s.legendFont = QFont();
  return s;
}

QChart* makeCurveChart(const CurveSet& curves, const ChartStyle& style) {
  auto* chart = new QChart;
  chart->setTitle(style.title);
  chart->setTitleFont(style.titleFont);
  chart->setAnimationOptions(style.animations ? QChart::SeriesAnimations : QChart::NoAnimation);
  chart->legend()->setFont(style.legendFont);
  chart->legend()->setAlignment(Qt::AlignRight);  // one entry per line: names are never truncated
  chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);  // shows each line's dash pattern
  chart->setBackgroundRoundness(0);
  if (style.margin >= 0) {
    chart->setMargins(QMargins(style.margin, style.margin, style.margin, style.margin));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
  }

  auto* xAxis = new QLogValueAxis;
  xAxis->setBase(2);
  xAxis->setLabelFormat("%d");
  xAxis->setTitleText("bit-width");
  xAxis->setRange(1.6, 20);
  xAxis->setMinorTickCount(0);
  QAbstractAxis* yAxis = nullptr;
  const bool logY = style.logY && !curves.options.relative;
  if (logY) {
    auto* axis = new QLogValueAxis;
    axis->setBase(10);
    axis->setLabelFormat("%g");
    axis->setMinorTickCount(8);
    yAxis = axis;
  } else {
    auto* axis = new QValueAxis;
    axis->setLabelFormat("%.3g");
    yAxis = axis;
  }
  yAxis->setTitleText(q(curves.valueLabel()));
  for (QAbstractAxis* a : {static_cast<QAbstractAxis*>(xAxis), yAxis}) {
    a->setLabelsFont(style.labelFont);
    a->setTitleFont(style.labelFont);
  }
  chart->addAxis(xAxis, Qt::AlignBottom);
  chart->addAxis(yAxis, Qt::AlignLeft);

  Range yRange;
  auto attach = [&](QAbstractSeries* s) {
    chart->addSeries(s);
    s->attachAxis(xAxis);
    s->attachAxis(yAxis);
  };
  // Series get the palette in turn; baselines are black / greys, one per model.
  const QColor kBaselineGreys[] = {QColor(0, 0, 0), QColor(110, 110, 110), QColor(170, 170, 170)};
  size_t baselineIndex = 0;
  const auto colors = seriesColors(curves.series);
  bool valuesInUnitRange = true;  // every point and baseline in [0, 1]: a bounded score

  for (const auto& series : curves.series) {
    const QColor color = colors.at(series.name);
    auto* line = new QLineSeries;
    line->setName(q(series.name));
    QPen pen(color, 1.6, familyPen(series.family));
    line->setPen(pen);
    line->setPointsVisible(true);
    QVariantList errors, runIds;
    for (const auto& p : series.points) {
      if (logY && p.value <= 0) continue;
      line->append(p.bits, p.value);
      errors << (p.stdError ? *p.stdError : std::numeric_limits<double>::quiet_NaN());
      runIds << QVariant::fromValue<qlonglong>(p.runId);
      yRange.add(p.value);
      valuesInUnitRange = valuesInUnitRange && p.value >= 0 && p.value <= 1;
    }
    line->setProperty("stderr", errors);
    line->setProperty("runIds", runIds);
    attach(line);
    for (const auto& p : series.points) {
      if (!p.stdError || *p.stdError <= 0 || (logY && p.value - *p.stdError <= 0)) continue;
      auto* w = whisker(p.bits, p.value - *p.stdError, p.value + *p.stdError, color);
      attach(w);
      chart->legend()->markers(w).first()->setVisible(false);
      w->setProperty("whiskerOf", QVariant::fromValue<QObject*>(line));
      yRange.add(p.value - *p.stdError);
      yRange.add(p.value + *p.stdError);
    }
  }
  for (const auto& b : curves.baselines) {
    if (logY && b.value <= 0) continue;
    auto* line = new QLineSeries;
    line->setName(q(b.model + " · FP16 baseline"));
    line->append(1.6, b.value);
    line->append(20, b.value);
    line->setPen(QPen(kBaselineGreys[baselineIndex++ % std::size(kBaselineGreys)], 1.0, Qt::DashLine));
    QVariantList errors{b.stdError ? *b.stdError : std::numeric_limits<double>::quiet_NaN()};
    line->setProperty("stderr", errors + errors);
    line->setProperty("baseline", true);
    attach(line);
    yRange.add(b.value);
    valuesInUnitRange = valuesInUnitRange && b.value >= 0 && b.value <= 1;
  }
  if (yRange.valid()) {
    double pad = (yRange.hi - yRange.lo) * 0.08;
    if (pad == 0) pad = std::max(std::abs(yRange.hi) * 0.05, 1e-3);
    if (logY) {
      yAxis->setRange(yRange.lo / 1.25, yRange.hi * 1.25);
    } else {
      double lo = yRange.lo - pad, hi = yRange.hi + pad;
      // A score bounded by [0, 1] (accuracy, agreement): neither the padding nor a whisker around
      // 0 or 1 may stretch the axis to -0.2 or 1.2.
      if (!curves.options.relative && !isPerplexityMetric(curves.options.metric) && valuesInUnitRange) {
        lo = std::max(lo, 0.0);
        hi = std::min(hi, 1.0);
      }
      auto* axis = static_cast<QValueAxis*>(yAxis);
      axis->setRange(lo, hi);
      axis->applyNiceNumbers();  // round tick values (0.3, 0.4, ...)
      // Ticks counted from an anchor at 0, not accumulated from the minimum: a tick at zero reads
      // "0", not "-2.78e-17".
      if (axis->tickCount() > 1) {
        axis->setTickAnchor(0.0);
        axis->setTickInterval((axis->max() - axis->min()) / (axis->tickCount() - 1));
        axis->setTickType(QValueAxis::TicksDynamic);
      }
    }
  }
  return chart;
}

QString curvePointToolTip(const QAbstractSeries* series, double x) {
  auto* line = qobject_cast<const QLineSeries*>(series);
  if (!line) return {};
  const QVariantList errors = line->property("stderr").toList();
  const bool baseline = line->property("baseline").toBool();
  const auto points = line->points();
  int best = -1;
  for (int i = 0; i < points.size(); ++i)
    if (best < 0 || std::abs(std::log2(points[i].x()) - std::log2(x)) < std::abs(std::log2(points[best].x()) - std::log2(x)))
      best = i;
  if (best < 0) return {};
  const double value = points[best].y();
  const double err = best < errors.size() ? errors[best].toDouble() : std::nan("");
  QString text = line->name() + "\n";
  if (!baseline) text += QString("%1 bits: ").arg(points[best].x());
  text += QString::number(value, 'g', 5);
  if (std::isfinite(err)) text += QString::fromUtf8(" ± ") + QString::number(err, 'g', 3);
  return text;
}

}  // namespace qs
