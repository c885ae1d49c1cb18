#include "ui/curve_chart.h"

#include <QChart>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QCategoryAxis>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "ui/axis_ticks.h"

namespace qs {
namespace {

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

// Points are placed on linear axes in transformed coordinates, x = log2(bits) (2, 4, 8, 16 equally
// spaced) and y = log10(value) on a log scale, so that the ticks can be put where the data are.
struct PlotScale {
  bool logY = false;
  double x(double bits) const { return std::log2(bits); }
  double y(double value) const { return logY ? std::log10(value) : value; }
};

// Room left and right of the outermost bit-widths, in log2 units (a fraction of a doubling).
constexpr double kXPadding = 0.3;

// The bit-widths that have a point, ascending.
std::vector<double> bitsPlotted(const CurveSet& curves) {
  std::set<double> bits;
  for (const auto& s : curves.series)
    for (const auto& p : s.points) bits.insert(p.bits);
  return {bits.begin(), bits.end()};
}

// The x range the data need; 2..16 bits when there are no points (only baselines, or nothing).
Range bitsRange(const CurveSet& curves) {
  Range r;
  for (double bits : bitsPlotted(curves)) r.add(bits);
  return r.valid() ? r : Range{2, 16};
}

// How far apart (in log2 units) the first and last series are drawn around a shared bit-width:
// about 0.05 per series, but at most half the smallest gap between two bit-widths (3 and 4 bits:
// 0.415), so a group of points never reaches the next bit-width's.
double dodgeWidth(const CurveSet& curves) {
  const std::vector<double> bits = bitsPlotted(curves);
  double gap = 1;
  for (size_t i = 1; i < bits.size(); ++i) gap = std::min(gap, std::log2(bits[i]) - std::log2(bits[i - 1]));
  return curves.series.size() < 2 ? 0.0 : std::min(0.05 * (curves.series.size() - 1), 0.5 * gap);
}

// A linear axis over [lo, hi] (transformed coordinates) whose tick marks, grid lines and labels sit
// exactly at the given values: a category axis with the labels on the category boundaries.
template <typename Transform>
QCategoryAxis* tickAxis(const std::vector<AxisTick>& ticks, double lo, double hi, Transform transform) {
  auto* axis = new QCategoryAxis;
  axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  axis->setRange(lo, hi);
  axis->setStartValue(lo);
  for (const auto& t : ticks) {
    const double at = transform(t.value);
    if (at > lo && at <= hi) axis->append(q(t.label), at);
  }
  return axis;
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
  s.markerSize = 5;  // beside 9 pt labels and 1.6 pt lines
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

  const bool logY = style.logY && !curves.options.relative;
  const PlotScale scale{logY};
  const Range xRange = bitsRange(curves);
  const double dodge = dodgeWidth(curves);
  const double xLo = scale.x(xRange.lo) - kXPadding - dodge / 2, xHi = scale.x(xRange.hi) + kXPadding + dodge / 2;
  std::vector<AxisTick> xTicks;
  for (double bits : bitsPlotted(curves)) xTicks.push_back({bits, axisNumber(bits)});
  auto* xAxis = tickAxis(xTicks, xLo, xHi, [&](double bits) { return scale.x(bits); });
  const bool perWeight = curves.options.xAxis == CurveXAxis::BitsPerWeight;
  xAxis->setTitleText(perWeight ? "bits per weight (scales and zero points included)" : "bit-width");
  chart->addAxis(xAxis, Qt::AlignBottom);

  Range yRange;
  auto attach = [&](QAbstractSeries* s, QAbstractAxis* yAxis) {
    chart->addSeries(s);
    s->attachAxis(xAxis);
    s->attachAxis(yAxis);
  };
  std::vector<QAbstractSeries*> pending;  // attached once the y axis exists
  // Series get the palette in turn; baselines are black / greys, one per model.
  const QColor kBaselineGreys[] = {QColor(0, 0, 0), QColor(110, 110, 110), QColor(170, 170, 170)};
  size_t baselineIndex = 0;
  const auto colors = seriesColors(curves.series);
  bool valuesInUnitRange = true;  // every point and baseline in [0, 1]: a bounded score

  for (size_t index = 0; index < curves.series.size(); ++index) {
    const CurveSeries& series = curves.series[index];
    const QColor color = colors.at(series.name);
    // Each series a little to the side of the true x, the same for all its points, so whiskers at
    // one bit-width stand side by side instead of on top of each other.
    const double shift = dodgeOffset(int(index), int(curves.series.size()), dodge);
    auto* line = new QLineSeries;
    line->setName(q(series.name));
    QPen pen(color, 1.6, familyPen(series.family));
    line->setPen(pen);
    line->setPointsVisible(true);
    line->setMarkerSize(style.markerSize / 2);  // QtCharts takes a line series' marker size as the radius
    QVariantList bits, values, errors, samples, runIds, quants, significance;
    std::vector<QAbstractSeries*> whiskers;
    auto* stars = new QScatterSeries;
    stars->setMarkerShape(QScatterSeries::MarkerShapeStar);
    stars->setMarkerSize(style.markerSize * 2);
    stars->setColor(color);
    stars->setBorderColor(color.darker(160));
    for (const auto& p : series.points) {
      if (logY && p.value <= 0) continue;  // no place on a log axis
      line->append(scale.x(p.bits) + shift, scale.y(p.value));
      if (p.significant()) stars->append(scale.x(p.bits) + shift, scale.y(p.value));
      significance << q(p.significance);
      bits << p.bits;
      values << p.value;
      errors << (p.stdError ? *p.stdError : std::numeric_limits<double>::quiet_NaN());
      samples << (p.samples ? QVariant::fromValue<qlonglong>(*p.samples) : QVariant());
      runIds << QVariant::fromValue<qlonglong>(p.runId);
      quants << q(p.quantName);
      yRange.add(p.value);
      valuesInUnitRange = valuesInUnitRange && p.value >= 0 && p.value <= 1;
      if (!p.stdError || *p.stdError <= 0 || (logY && p.value - *p.stdError <= 0)) continue;
      auto* w = whisker(scale.x(p.bits) + shift, scale.y(p.value - *p.stdError), scale.y(p.value + *p.stdError), color);
      w->setProperty("whiskerOf", QVariant::fromValue<QObject*>(line));
      whiskers.push_back(w);
      yRange.add(p.value - *p.stdError);
      yRange.add(p.value + *p.stdError);
    }
    line->setProperty("bits", bits);
    line->setProperty("xUnit", perWeight ? " bits/weight" : " bits");
    line->setProperty("values", values);
    line->setProperty("stderr", errors);
    line->setProperty("samples", samples);
    line->setProperty("runIds", runIds);
    line->setProperty("quants", quants);
    line->setProperty("significance", significance);
    // Whiskers first: the line and its markers are drawn over them and get the hover events
    // (a whisker passes through its point and would otherwise take them).
    pending.insert(pending.end(), whiskers.begin(), whiskers.end());
    pending.push_back(line);
    // Stars over the points that differ from FP16 at p < 0.05, drawn last so they are not covered;
    // tied to the line like a whisker (hidden with it, hovering one shows its point).
    if (stars->count() > 0) {
      stars->setProperty("whiskerOf", QVariant::fromValue<QObject*>(line));
      stars->setProperty("significanceMarks", true);
      pending.push_back(stars);
    } else {
      delete stars;
    }
  }
  if (curves.testedPoints > 0) {
    // A legend entry that only explains the stars (an empty series of the same marker).
    auto* key = new QScatterSeries;
    key->setName(QString::fromUtf8("\u2605 differs from FP16 (p below 0.05)"));
    key->setMarkerShape(QScatterSeries::MarkerShapeStar);
    key->setMarkerSize(style.markerSize * 2);
    key->setColor(QColor(90, 90, 90));
    key->setBorderColor(QColor(90, 90, 90));
    key->setProperty("legendOnly", true);
    pending.push_back(key);
  }
  for (const auto& b : curves.baselines) {
    if (logY && b.value <= 0) continue;
    auto* line = new QLineSeries;
    line->setName(q(b.model + " · FP16 baseline"));
    line->append(xLo, scale.y(b.value));
    line->append(xHi, scale.y(b.value));
    line->setPen(QPen(kBaselineGreys[baselineIndex++ % std::size(kBaselineGreys)], 1.0, Qt::DashLine));
    const QVariant error = b.stdError ? *b.stdError : std::numeric_limits<double>::quiet_NaN();
    line->setProperty("values", QVariantList{b.value, b.value});
    line->setProperty("stderr", QVariantList{error, error});
    const QVariant n = b.samples ? QVariant::fromValue<qlonglong>(*b.samples) : QVariant();
    line->setProperty("samples", QVariantList{n, n});
    line->setProperty("baseline", true);
    pending.push_back(line);
    yRange.add(b.value);
    valuesInUnitRange = valuesInUnitRange && b.value >= 0 && b.value <= 1;
  }

  QAbstractAxis* yAxis = nullptr;
  if (logY) {
    // Log-transformed values on a linear axis with labels at round values: QLogValueAxis labels
    // powers of ten only, which a perplexity of 20..35 never reaches.
    const Range r = yRange.valid() ? yRange : Range{1, 10};
    const double span = std::log10(r.hi) - std::log10(r.lo);
    const double pad = std::max(span * 0.08, 0.02);
    const double lo = std::pow(10.0, std::log10(r.lo) - pad), hi = std::pow(10.0, std::log10(r.hi) + pad);
    yAxis = tickAxis(logAxisTicks(lo, hi), scale.y(lo), scale.y(hi), [&](double v) { return scale.y(v); });
  } else {
    auto* axis = new QValueAxis;
    axis->setLabelFormat("%.3g");
    if (yRange.valid()) {
      double pad = (yRange.hi - yRange.lo) * 0.08;
      if (pad == 0) pad = std::max(std::abs(yRange.hi) * 0.05, 1e-3);
      double lo = yRange.lo - pad, hi = yRange.hi + pad;
      // A score bounded by [0, 1] (accuracy, agreement): neither the padding nor a whisker around
      // 0 or 1 may stretch the axis to -0.2 or 1.2.
      if (!curves.options.relative && !isPerplexityMetric(curves.options.metric) && valuesInUnitRange) {
        lo = std::max(lo, 0.0);
        hi = std::min(hi, 1.0);
      }
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
    yAxis = axis;
  }
  yAxis->setTitleText(q(curves.valueLabel()));
  for (QAbstractAxis* a : {static_cast<QAbstractAxis*>(xAxis), yAxis}) {
    a->setLabelsFont(style.labelFont);
    a->setTitleFont(style.labelFont);
  }
  chart->addAxis(yAxis, Qt::AlignLeft);
  for (QAbstractSeries* s : pending) {
    attach(s, yAxis);
    if (s->property("whiskerOf").isValid())
      for (QLegendMarker* marker : chart->legend()->markers(s)) marker->setVisible(false);
  }
  return chart;
}

int nearestCurvePoint(const QAbstractSeries* series, const QPointF& position) {
  auto* xy = qobject_cast<const QXYSeries*>(series);
  if (!xy) return -1;
  // A whisker stands for the point of its line at the same x.
  if (auto* line = qobject_cast<const QXYSeries*>(series->property("whiskerOf").value<QObject*>())) xy = line;
  int best = -1;
  for (int i = 0; i < xy->count(); ++i)
    if (best < 0 || std::abs(xy->at(i).x() - position.x()) < std::abs(xy->at(best).x() - position.x())) best = i;
  return best;
}

QString curvePointToolTip(const QAbstractSeries* series, int index) {
  if (QObject* line = series ? series->property("whiskerOf").value<QObject*>() : nullptr)
    series = qobject_cast<const QAbstractSeries*>(line);
  if (!series) return {};
  // The points sit at transformed coordinates: bits and values are read from the properties.
  const QVariantList values = series->property("values").toList();
  if (index < 0 || index >= values.size()) return {};
  auto at = [&](const char* name) { return series->property(name).toList().value(index); };
  QString text = series->name() + "\n";
  if (!series->property("baseline").toBool()) {
    const QString unit = series->property("xUnit").toString();
    text += QString::fromStdString(axisNumber(at("bits").toDouble())) + (unit.isEmpty() ? QString(" bits") : unit);
    const QString quant = at("quants").toString();
    if (!quant.isEmpty()) text += " (" + quant + ")";
    text += "\n";
  }
  const double value = values[index].toDouble();
  text += QString::fromStdString(axisNumber(value, 1.0, 5));
  const double err = at("stderr").isValid() ? at("stderr").toDouble() : std::nan("");
  if (std::isfinite(err)) text += QString::fromUtf8(" ± ") + QString::fromStdString(axisNumber(err, 1.0, 3));
  if (at("samples").isValid()) text += QString(", n = %1").arg(at("samples").toLongLong());
  const QString significance = at("significance").toString();
  if (!significance.isEmpty()) text += "\n" + significance;
  return text;
}

QString curveToolTipAt(const QAbstractSeries* series, const QPointF& position) {
  return curvePointToolTip(series, nearestCurvePoint(series, position));
}

}  // namespace qs
