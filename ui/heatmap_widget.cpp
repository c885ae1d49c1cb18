#include "ui/heatmap_widget.h"

#include <QHelpEvent>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <cmath>
#include <limits>

namespace qs {
namespace {

// Viridis at nine stops: perceptually uniform, readable in grey and by colour-blind readers.
const QColor kViridis[] = {QColor(68, 1, 84),    QColor(71, 44, 122),  QColor(59, 81, 139),
                           QColor(44, 113, 142), QColor(33, 144, 141), QColor(39, 173, 129),
                           QColor(92, 200, 99),  QColor(170, 220, 50), QColor(253, 231, 37)};
// Not applicable / not measured: a neutral grey outside viridis, hatched where cells are drawn
// one by one, so it never reads as a value (a zero on the log scale used to be drawn in it).
const QColor kMissing(225, 225, 225);
const QColor kMissingHatch(150, 150, 150);

// Hatch lines drawn as lines, `spacing` apart in layout units (not a pattern brush: its spacing
// is in device pixels, and SVG drops it), so PNG at any DPI, SVG and PDF look alike.
void fillMissing(QPainter& p, const QRectF& r, double spacing) {
  p.fillRect(r, kMissing);
  p.save();
  p.setClipRect(r, Qt::IntersectClip);
  p.setPen(QPen(kMissingHatch, spacing * 0.15));
  for (double d = -r.height(); d < r.width(); d += spacing)
    p.drawLine(QPointF(r.left() + d, r.bottom()), QPointF(r.left() + d + r.height(), r.top()));
  p.restore();
}

QColor viridis(double t) {
  t = std::clamp(t, 0.0, 1.0) * 8;
  const int i = std::min(7, static_cast<int>(t));
  const double f = t - i;
  const QColor& a = kViridis[i];
  const QColor& b = kViridis[i + 1];
  return QColor::fromRgbF(a.redF() + (b.redF() - a.redF()) * f, a.greenF() + (b.greenF() - a.greenF()) * f,
                          a.blueF() + (b.blueF() - a.blueF()) * f);
}

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

HeatmapWidget::HeatmapWidget(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent, false);
}

void HeatmapWidget::setMatrix(HeatmapMatrix matrix) {
  matrix_ = std::move(matrix);
  selectedRow_ = selectedColumn_ = -1;
  setLogScale(logScale_);  // recomputes the range
}

void HeatmapWidget::setLogScale(bool on) {
  logScale_ = on;
  lo_ = std::numeric_limits<double>::infinity();
  hi_ = -lo_;
  belowLogScale_ = false;
  for (double v : matrix_.values) {
    const double s = scaled(v);
    if (std::isfinite(s)) lo_ = std::min(lo_, s), hi_ = std::max(hi_, s);
    belowLogScale_ = belowLogScale_ || (logScale_ && std::isfinite(v) && v <= 0);
  }
  if (!(lo_ <= hi_)) lo_ = 0, hi_ = 1;
  update();
}

bool HeatmapWidget::hasMissing() const {
  for (double v : matrix_.values)
    if (!std::isfinite(v)) return true;
  return false;
}

void HeatmapWidget::setPlaceholder(const QString& text) {
  placeholder_ = text;
  update();
}

void HeatmapWidget::setSelectedCell(int row, int column) {
  selectedRow_ = row;
  selectedColumn_ = column;
  update();
}

double HeatmapWidget::scaled(double v) const {
  if (!std::isfinite(v)) return std::numeric_limits<double>::quiet_NaN();
  if (!logScale_) return v;
  return v > 0 ? std::log10(v) : std::numeric_limits<double>::quiet_NaN();
}

std::pair<double, double> HeatmapWidget::valueRange() const { return {lo_, hi_}; }

QColor HeatmapWidget::colorFor(double value) const {
  if (!std::isfinite(value)) return kMissing;
  // Zero (an outlier ratio of a tensor without outliers) has no place on a log scale: the bottom
  // colour, and the colour bar's lowest label says "≤".
  if (logScale_ && value <= 0) return viridis(0);
  return viridis(hi_ > lo_ ? (scaled(value) - lo_) / (hi_ - lo_) : 0.5);
}

HeatmapWidget::Geometry HeatmapWidget::geometry(const QRectF& rect, const QFont& font) const {
  Geometry g;
  QFontMetricsF fm(font);
  const double line = fm.height();
  const double titleH = matrix_.title.empty() ? 0 : line * 1.6;
  g.title = QRectF(rect.left(), rect.top(), rect.width(), titleH);
  double rowLabelW = 0;
  for (const auto& l : matrix_.rowLabels) rowLabelW = std::max(rowLabelW, fm.horizontalAdvance(q(l)));
  double columnLabelW = 0;
  for (const auto& l : matrix_.columnLabels) columnLabelW = std::max(columnLabelW, fm.horizontalAdvance(q(l)));
  // Channel axes have thousands of columns: label every Nth, horizontally.
  g.rotatedColumnLabels = matrix_.columns() <= 64;
  const double bottom = g.rotatedColumnLabels ? columnLabelW + line * 0.6 : line * 1.8;
  const double barW = line * 0.9 + fm.horizontalAdvance("-0.000e+00") + line;
  g.cells = QRectF(rect.left() + rowLabelW + line * 0.6, rect.top() + titleH + line * 0.3,
                   rect.width() - rowLabelW - line * 0.6 - barW - line * 0.6, rect.height() - titleH - bottom - line * 0.3);
  if (g.cells.width() < 1 || g.cells.height() < 1) g.cells = QRectF();
  g.colorBar = QRectF(g.cells.right() + line * 0.8, g.cells.top(), line * 0.9, g.cells.height());
  if (matrix_.columns() > 0) g.cellW = g.cells.width() / matrix_.columns();
  if (matrix_.rows() > 0) g.cellH = g.cells.height() / matrix_.rows();
  const double labelSpan = g.rotatedColumnLabels ? line : fm.horizontalAdvance("00000") * 1.4;
  g.columnLabelStep = g.cellW > 0 ? std::max(1, static_cast<int>(std::ceil(labelSpan / g.cellW))) : 1;
  g.rowLabelStep = g.cellH > 0 ? std::max(1, static_cast<int>(std::ceil(line / g.cellH))) : 1;
  return g;
}

void HeatmapWidget::paintHeatmap(QPainter& p, const QRectF& rect, const QFont& font) const {
  p.save();
  p.setFont(font);
  p.fillRect(rect, Qt::white);
  const Geometry g = geometry(rect, font);
  QFontMetricsF fm(font);
  p.setPen(Qt::black);
  if (!matrix_.title.empty()) p.drawText(g.title, Qt::AlignCenter, q(matrix_.title));
  if (matrix_.empty() || g.cells.isEmpty()) {
    p.drawText(rect, Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    p.restore();
    return;
  }
  const int rows = matrix_.rows(), cols = matrix_.columns();
  if (static_cast<int64_t>(rows) * cols <= 20000) {
    // Without antialiasing and slightly overlapping: no hairline seams between cells, on screen
    // or in a PDF viewer.
    p.save();
    p.setRenderHint(QPainter::Antialiasing, false);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) {
        const QRectF cell(g.cells.left() + c * g.cellW, g.cells.top() + r * g.cellH, g.cellW + 0.3, g.cellH + 0.3);
        const double v = matrix_.at(r, c);
        if (std::isfinite(v)) p.fillRect(cell, colorFor(v));
        else fillMissing(p, cell, fm.height() * 0.5);
      }
    p.restore();
  } else {
    QImage image(cols, rows, QImage::Format_RGB32);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) image.setPixelColor(c, r, colorFor(matrix_.at(r, c)));
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(g.cells, image);
  }
  if (selectedRow_ >= 0 && selectedColumn_ >= 0 && selectedRow_ < rows && selectedColumn_ < cols) {
    p.setPen(QPen(Qt::red, 2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRectF(g.cells.left() + selectedColumn_ * g.cellW, g.cells.top() + selectedRow_ * g.cellH, g.cellW, g.cellH));
  }
  p.setPen(Qt::black);
  p.setBrush(Qt::NoBrush);
  p.drawRect(g.cells);

  for (int r = 0; r < rows; r += g.rowLabelStep)
    p.drawText(QRectF(rect.left(), g.cells.top() + r * g.cellH, g.cells.left() - rect.left() - fm.height() * 0.3, g.cellH),
               Qt::AlignRight | Qt::AlignVCenter | Qt::TextDontClip, q(matrix_.rowLabels[r]));
  for (int c = 0; c < cols; c += g.columnLabelStep) {
    const double x = g.cells.left() + (c + 0.5) * g.cellW;
    if (g.rotatedColumnLabels) {
      p.save();
      p.translate(x, g.cells.bottom() + fm.height() * 0.3);
      p.rotate(90);
      p.drawText(QPointF(0, fm.ascent() / 2 - fm.descent() / 2), q(matrix_.columnLabels[c]));
      p.restore();
    } else {
      const QString label = q(matrix_.columnLabels[c]);
      p.drawText(QPointF(x - fm.horizontalAdvance(label) / 2, g.cells.bottom() + fm.ascent() + fm.height() * 0.2), label);
    }
  }

  // Colour bar: top = maximum.
  const int steps = 64;
  for (int i = 0; i < steps; ++i) {
    const double t = 1.0 - (i + 0.5) / steps;
    p.fillRect(QRectF(g.colorBar.left(), g.colorBar.top() + i * g.colorBar.height() / steps, g.colorBar.width(),
                      g.colorBar.height() / steps + 0.5),
               viridis(t));
  }
  p.drawRect(g.colorBar);
  auto tick = [&](double s) { return logScale_ ? std::pow(10.0, s) : s; };
  const double textX = g.colorBar.right() + fm.height() * 0.3;
  for (int i = 0; i <= 4; ++i) {
    const double s = hi_ - (hi_ - lo_) * i / 4;
    const double y = g.colorBar.top() + g.colorBar.height() * i / 4;
    p.drawLine(QPointF(g.colorBar.right(), y), QPointF(g.colorBar.right() + fm.height() * 0.2, y));
    const QString text = QString::number(tick(s), 'g', 3);
    p.drawText(QPointF(textX, y + fm.ascent() / 2 - fm.descent() / 2),
               i == 4 && belowLogScale_ ? QString::fromUtf8("≤") + text : text);
  }
  // The key for cells without a value, under the bar (drawn only when there are such cells).
  if (hasMissing()) {
    const QRectF swatch(g.colorBar.left(), g.colorBar.bottom() + fm.height() * 0.35, g.colorBar.width(), fm.height() * 0.8);
    fillMissing(p, swatch, fm.height() * 0.5);
    p.drawRect(swatch);
    p.drawText(QPointF(textX, swatch.center().y() + fm.ascent() / 2 - fm.descent() / 2), "n/a");
  }
  p.save();
  p.translate(rect.right() - fm.descent() - 1, g.colorBar.center().y());
  p.rotate(-90);
  const QString label = q(matrix_.valueLabel) + (logScale_ ? " (log scale)" : "");
  p.drawText(QPointF(-fm.horizontalAdvance(label) / 2, 0), label);
  p.restore();
  p.restore();
}

QPoint HeatmapWidget::cellAt(const QPoint& pos) const {
  const Geometry g = geometry(QRectF(rect()), font());
  if (matrix_.empty() || !g.cells.contains(pos)) return {-1, -1};
  const int c = std::min(matrix_.columns() - 1, static_cast<int>((pos.x() - g.cells.left()) / g.cellW));
  const int r = std::min(matrix_.rows() - 1, static_cast<int>((pos.y() - g.cells.top()) / g.cellH));
  return {c, r};
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  paintHeatmap(p, QRectF(rect()), font());
}

bool HeatmapWidget::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const QPoint cell = cellAt(help->pos());
    if (cell.x() < 0) {
      QToolTip::hideText();
    } else {
      const double v = matrix_.at(cell.y(), cell.x());
      QToolTip::showText(help->globalPos(),
                         QString("%1 · %2\n%3: %4")
                             .arg(q(matrix_.rowLabels[cell.y()]), q(matrix_.columnLabels[cell.x()]), q(matrix_.valueLabel),
                                  std::isfinite(v) ? QString::number(v, 'g', 6) : QString("n/a (not measured)")),
                         this);
    }
    return true;
  }
  return QWidget::event(event);
}

void HeatmapWidget::mousePressEvent(QMouseEvent* event) {
  const QPoint cell = cellAt(event->position().toPoint());
  if (cell.x() >= 0) {
    setSelectedCell(cell.y(), cell.x());
    Q_EMIT cellClicked(cell.y(), cell.x());
  }
}

}  // namespace qs

#include "moc_heatmap_widget.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
