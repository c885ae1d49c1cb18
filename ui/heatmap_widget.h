#pragma once
// Paints a HeatmapMatrix: cells coloured on a perceptual scale (linear or log), row and column
// labels, a colour bar; tooltips with the value; a click reports the cell. paintHeatmap() draws
// into any painter, so the export renders exactly what the widget shows, at any size.
#include <QWidget>

#include "ui/heatmap_data.h"

namespace qs {

class HeatmapWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapWidget(QWidget* parent = nullptr);

  void setMatrix(HeatmapMatrix matrix);
  const HeatmapMatrix& matrix() const { return matrix_; }
  void setLogScale(bool on);
  bool logScale() const { return logScale_; }
  // What an empty heatmap says ("No statistics to show" by default).
  void setPlaceholder(const QString& text);
  // Highlights one cell (-1 = none).
  void setSelectedCell(int row, int column);

  void paintHeatmap(QPainter& painter, const QRectF& rect, const QFont& font) const;
  // The cell under a point of the widget; (-1, -1) when none.
  QPoint cellAt(const QPoint& pos) const;
  // Colour of a value on the current scale (for the tests and the colour bar). A cell without a
  // value (NaN) is grey, hatched when painted, with an "n/a" key under the colour bar; a value
  // <= 0 on the log scale takes the bottom colour (the bar's lowest label then reads "≤ ...").
  QColor colorFor(double value) const;
  bool hasMissing() const;
  // The value range the colours span (after the log, when on).
  std::pair<double, double> valueRange() const;

  QSize sizeHint() const override { return {640, 420}; }
  QSize minimumSizeHint() const override { return {200, 150}; }

 Q_SIGNALS:
  void cellClicked(int row, int column);

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  struct Geometry {
    QRectF title, cells, colorBar;
    double cellW = 0, cellH = 0;
    int columnLabelStep = 1, rowLabelStep = 1;
    bool rotatedColumnLabels = true;
  };
  Geometry geometry(const QRectF& rect, const QFont& font) const;
  double scaled(double value) const;  // NaN when not drawable

  HeatmapMatrix matrix_;
  QString placeholder_ = "No statistics to show";
  bool logScale_ = false;
  double lo_ = 0, hi_ = 1;
  bool belowLogScale_ = false;  // some value <= 0 is drawn at the bottom of a log scale
  int selectedRow_ = -1, selectedColumn_ = -1;
};

}  // namespace qs
