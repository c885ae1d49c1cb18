#pragma once
// Builds the QtCharts chart of a CurveSet: x = bit-width on a log2 scale, one line per series with
// ±stderr whiskers, a dashed horizontal line per model baseline. The same function draws the
// on-screen chart and the exported one; only the style differs.
#include <QFont>
#include <QString>

#include "ui/curve_data.h"

QT_BEGIN_NAMESPACE
class QChart;
class QAbstractSeries;
class QPointF;
QT_END_NAMESPACE

namespace qs {

struct ChartStyle {
  QString title;
  bool logY = false;
  QFont titleFont;
  QFont labelFont;
  QFont legendFont;
  bool animations = false;
  int margin = -1;  // chart margins in layout units; -1 = Qt's default (for the screen)
  // Point markers' diameter in layout units: Qt's default (about 3) is hard to see and to hover.
  double markerSize = 7.5;
  // Fixed fonts in pixels of the chart's own coordinates (1 unit = 1/72 in when exported), so
  // an exported figure does not depend on the screen.
  static ChartStyle publication();
  static ChartStyle screen();
};

// The caller owns the chart. Points sit at transformed coordinates on linear axes whose ticks are
// placed where the data are: x = log2(bits), y = log10(value) when logY (else the value). Line
// series carry "bits", "values", "stderr" (NaN = unknown), "samples" (invalid = unknown), "runIds"
// and "quants" properties (QVariantList) aligned with their points, in data units, for tooltips
// and tests; a whisker's "whiskerOf" is its line. Points whose run differs from FP16 at p < 0.05
// get a star: a scatter series with "significanceMarks" whose "whiskerOf" is the line; when any
// point was tested, an empty "legendOnly" scatter series explains the star in the legend.
QChart* makeCurveChart(const CurveSet& curves, const ChartStyle& style);

// The index of the point of a series made by makeCurveChart nearest (in x) to a position in the
// chart's coordinates, as QXYSeries::hovered reports it; for a whisker, its line's point. -1: none.
int nearestCurvePoint(const QAbstractSeries* series, const QPointF& position);
// The hover text of point `index` of a line (or of the line a whisker belongs to): the series
// name, the bit-width and config, value ± stderr, the sample count when known and the paired test
// against FP16 when one was made. "" for none.
QString curvePointToolTip(const QAbstractSeries* series, int index);
// The hover text of the point nearest to a position (both of the above).
QString curveToolTipAt(const QAbstractSeries* series, const QPointF& position);

}  // namespace qs
