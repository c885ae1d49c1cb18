#pragma once
// Publication-quality export of charts and heatmaps: the figure is laid out at a fixed physical
// size with fixed fonts (1 layout unit = 1 pt) and rendered as vectors into the target, never
// grabbed from the screen. PNG at a chosen DPI, SVG (QSvgGenerator), PDF (QPdfWriter).
#include <QSizeF>
#include <QString>
#include <functional>

class QPainter;
class QRectF;
QT_BEGIN_NAMESPACE
class QChart;
QT_END_NAMESPACE

namespace qs {

enum class FigureFormat { Png, Svg, Pdf };

struct FigureSize {
  double widthMm = 160;  // a two-column figure width
  double heightMm = 100;
  int dpi = 300;  // PNG only
  QSizeF points() const { return {widthMm / 25.4 * 72, heightMm / 25.4 * 72}; }
  // PNG size in pixels at dpi.
  QSize pixels() const;
};

// From the file's suffix (.png, .svg, .pdf); throws qs::Error for any other.
FigureFormat figureFormatFor(const QString& file);

// Paints a figure laid out in a rectangle of size.points() (in pt) into the file. Throws
// qs::Error naming the file when it cannot be written.
using FigurePainter = std::function<void(QPainter& painter, const QRectF& rect)>;
void exportFigure(const QString& file, const FigureSize& size, const FigurePainter& paint, const QString& title = {});

// Renders the chart at size.points() (the chart is resized and laid out at that size; the caller
// keeps ownership, and the chart must not be shown in a view).
void exportChart(QChart* chart, const QString& file, const FigureSize& size);

}  // namespace qs
