#pragma once
// Builds the QtCharts chart of a CurveSet: x = bit-width on a log2 axis, one line per series with
// ±stderr whiskers, a dashed horizontal line per model baseline. The same function draws the
// on-screen chart and the exported one; only the style differs.
#include <QFont>
#include <QString>

#include "ui/curve_data.h"

QT_BEGIN_NAMESPACE
class QChart;
class QAbstractSeries;
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
  // Fixed fonts in pixels of the chart's own coordinates (1 unit = 1/72 in when exported), so
  // an exported figure does not depend on the screen.
  static ChartStyle publication();
  static ChartStyle screen();
};

// The caller owns the chart. Line series carry "stderr" (QVariantList, NaN = unknown) and
// "runIds" properties aligned with their points, for tooltips.
QChart* makeCurveChart(const CurveSet& curves, const ChartStyle& style);

// Value ± stderr text for a point of a line series made by makeCurveChart; "" when not found.
QString curvePointToolTip(const QAbstractSeries* series, double x);

}  // namespace qs
