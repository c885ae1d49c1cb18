#include "ui/figure_export.h"

#include <QChart>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <cmath>

#include "core/base/error.h"

namespace qs {
namespace {

[[noreturn]] void fail(const QString& file, const QString& what) { throw Error((file + ": " + what).toStdString()); }

}  // namespace

QSize FigureSize::pixels() const {
  return {static_cast<int>(std::lround(widthMm / 25.4 * dpi)), static_cast<int>(std::lround(heightMm / 25.4 * dpi))};
}

FigureFormat figureFormatFor(const QString& file) {
  const QString suffix = QFileInfo(file).suffix().toLower();
  if (suffix == "png") return FigureFormat::Png;
  if (suffix == "svg") return FigureFormat::Svg;
  if (suffix == "pdf") return FigureFormat::Pdf;
  fail(file, "unknown figure format '." + suffix + "' (use .png, .svg or .pdf)");
}

void exportFigure(const QString& file, const FigureSize& size, const FigurePainter& paint, const QString& title) {
  const QSizeF pt = size.points();
  const QRectF layout(QPointF(0, 0), pt);
  switch (figureFormatFor(file)) {
    case FigureFormat::Png: {
      if (size.dpi < 10 || size.dpi > 2400) fail(file, QString("DPI %1 is out of range 10..2400").arg(size.dpi));
      QImage image(size.pixels(), QImage::Format_ARGB32);
      image.setDotsPerMeterX(qRound(size.dpi / 0.0254));
      image.setDotsPerMeterY(qRound(size.dpi / 0.0254));
      image.fill(Qt::white);
      {
        QPainter p(&image);
        p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
        p.scale(image.width() / pt.width(), image.height() / pt.height());
        paint(p, layout);
      }
      if (!image.save(file, "PNG")) fail(file, "cannot write the PNG file");
      break;
    }
    case FigureFormat::Svg: {
      QSvgGenerator svg;
      svg.setFileName(file);
      svg.setSize(pt.toSize());
      svg.setViewBox(layout);
      svg.setResolution(72);  // one user unit = 1 pt: the file states the physical size
      svg.setTitle(title);
      svg.setDescription("QuantScope figure");
      QPainter p;
      if (!p.begin(&svg)) fail(file, "cannot write the SVG file");
      p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
      paint(p, layout);
      p.end();
      break;
    }
    case FigureFormat::Pdf: {
      QPdfWriter pdf(file);
      pdf.setPageSize(QPageSize(QSizeF(size.widthMm, size.heightMm), QPageSize::Millimeter));
      pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
      pdf.setResolution(1200);
      pdf.setTitle(title);
      pdf.setCreator("QuantScope");
      QPainter p;
      if (!p.begin(&pdf)) fail(file, "cannot write the PDF file");
      p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
      const QRect page = p.viewport();
      p.scale(page.width() / pt.width(), page.height() / pt.height());
      paint(p, layout);
      p.end();
      break;
    }
  }
  if (!QFileInfo::exists(file)) fail(file, "the file was not written");
}

void exportChart(QChart* chart, const QString& file, const FigureSize& size) {
  QGraphicsScene scene;
  scene.addItem(chart);
  const QSizeF pt = size.points();
  chart->setGeometry(QRectF(QPointF(0, 0), pt));
  chart->layout()->activate();
  scene.setSceneRect(QRectF(QPointF(0, 0), pt));
  // The scene must give the chart back (not delete it), also when the export throws.
  struct Release {
    QGraphicsScene& scene;
    QChart* chart;
    ~Release() { scene.removeItem(chart); }
  } release{scene, chart};
  exportFigure(file, size, [&](QPainter& p, const QRectF& rect) { scene.render(&p, rect, scene.sceneRect()); },
               chart->title());
}

}  // namespace qs
