// Exports: chart and heatmap figures (PNG at a DPI, SVG, PDF) and tables (CSV, LaTeX, Markdown),
// one figure set of a whole database.
#include <QtTest/QtTest>

#include <QChart>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QXmlStreamReader>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "tests/gui/gui_test_data.h"
#include "tests/support/test_support.h"
#include "ui/curve_chart.h"
#include "ui/curve_data.h"
#include "ui/experiment_snapshot.h"
#include "ui/figure_export.h"
#include "ui/figure_set.h"
#include "ui/heatmap_view.h"
#include "ui/paper_export_dialog.h"
#include "ui/table_export.h"

namespace {

using namespace qs;

QByteArray readAll(const QString& file) {
  QFile f(file);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The root element's name and its width / height attributes.
struct SvgRoot {
  QString name, width, height;
  bool wellFormed = false;
};
SvgRoot parseSvg(const QString& file) {
  QXmlStreamReader xml(readAll(file));
  SvgRoot root;
  while (!xml.atEnd()) {
    xml.readNext();
    if (xml.isStartElement() && root.name.isEmpty()) {
      root.name = xml.name().toString();
      root.width = xml.attributes().value("width").toString();
      root.height = xml.attributes().value("height").toString();
    }
  }
  root.wellFormed = !xml.hasError();
  return root;
}

// Count of distinct colours in an image: a blank render has one.
int colourCount(const QImage& image) {
  QSet<QRgb> colours;
  for (int y = 0; y < image.height(); y += 3)
    for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
  return colours.size();
}

}  // namespace

class TestFigureExport : public QObject {
  Q_OBJECT
  QString dir_;
  std::filesystem::path db_;
  CurveSet curves_;

 private Q_SLOTS:
  void initTestCase() {
    dir_ = QString::fromStdString(test::freshTempDir("gui_export").string());
    db_ = std::filesystem::path(dir_.toStdString()) / "demo.qsdb";
    test::makeDemoDatabase(db_);
    ExperimentStore store(db_, ExperimentStore::Mode::ReadOnly);
    CurveOptions o;
    o.task = "arc_easy";
    o.metric = "acc";
    curves_ = buildCurves(ExperimentSnapshot::load(store), o);
    QVERIFY(!curves_.series.empty());
  }

  void pngHasThePixelSizeOfItsDpi() {
    for (int dpi : {150, 300}) {
      FigureSize size;
      size.widthMm = 160;
      size.heightMm = 100;
      size.dpi = dpi;
      const QString file = dir_ + QString("/chart_%1.png").arg(dpi);
      std::unique_ptr<QChart> chart(makeCurveChart(curves_, ChartStyle::publication()));
      exportChart(chart.get(), file, size);
      QImage image(file);
      QVERIFY(!image.isNull());
      QCOMPARE(image.width(), qRound(160 / 25.4 * dpi));
      QCOMPARE(image.height(), qRound(100 / 25.4 * dpi));
      QCOMPARE(qRound(image.dotsPerMeterX() * 0.0254), dpi);
      QVERIFY2(colourCount(image) > 20, "the chart was not drawn");
      QVERIFY(chart->scene() == nullptr);  // handed back to the caller
    }
  }

  void chartLayoutDoesNotDependOnDpi() {
    // The same figure at 100 and 200 dpi: the 200 dpi image scaled down matches the 100 dpi one
    // closely (vector rendering at a fixed layout, not a re-layout at a larger size).
    FigureSize size;
    QImage images[2];
    int i = 0;
    for (int dpi : {100, 200}) {
      size.dpi = dpi;
      const QString file = dir_ + QString("/layout_%1.png").arg(dpi);
      std::unique_ptr<QChart> chart(makeCurveChart(curves_, ChartStyle::publication()));
      exportChart(chart.get(), file, size);
      images[i++] = QImage(file).convertToFormat(QImage::Format_Grayscale8);
    }
    const QImage down = images[1].scaled(images[0].size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    double diff = 0;
    for (int y = 0; y < down.height(); ++y)
      for (int x = 0; x < down.width(); ++x) diff += std::abs(qGray(down.pixel(x, y)) - qGray(images[0].pixel(x, y)));
    const double meanDiff = diff / (down.width() * down.height());
    QVERIFY2(meanDiff < 6.0, qPrintable(QString("mean grey difference %1").arg(meanDiff)));
  }

  void svgIsXmlWithAnSvgRoot() {
    const QString file = dir_ + "/chart.svg";
    std::unique_ptr<QChart> chart(makeCurveChart(curves_, ChartStyle::publication()));
    exportChart(chart.get(), file, FigureSize{});
    const SvgRoot root = parseSvg(file);
    QVERIFY(root.wellFormed);
    QCOMPARE(root.name, QString("svg"));
    QVERIFY2(root.width.endsWith("mm"), qPrintable(root.width));  // physical size
    QVERIFY(std::abs(root.width.chopped(2).toDouble() - 160.0) < 0.6);
    QVERIFY(readAll(file).contains("<path") || readAll(file).contains("<polyline"));
  }

  void pdfIsAPdf() {
    const QString file = dir_ + "/chart.pdf";
    std::unique_ptr<QChart> chart(makeCurveChart(curves_, ChartStyle::publication()));
    exportChart(chart.get(), file, FigureSize{});
    const QByteArray bytes = readAll(file);
    QVERIFY(bytes.startsWith("%PDF"));
    QVERIFY(bytes.contains("%%EOF"));
    const QString pdfinfo = QStandardPaths::findExecutable("pdfinfo");
    if (pdfinfo.isEmpty()) return;  // poppler-utils not installed: the header checks above stand
    QProcess p;
    p.start(pdfinfo, {file});
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(QRegularExpression("Pages:\\s+1\\b").match(out).hasMatch(), qPrintable(out));
    // 160 x 100 mm = 453.5 x 283.5 pt (Qt writes whole points).
    const auto size = QRegularExpression("Page size:\\s+([0-9.]+) x ([0-9.]+) pts").match(out);
    QVERIFY2(size.hasMatch(), qPrintable(out));
    QVERIFY(std::abs(size.captured(1).toDouble() - 453.5) <= 1.0);
    QVERIFY(std::abs(size.captured(2).toDouble() - 283.5) <= 1.0);
    // And poppler can draw it: something is on the page.
    const QString pdftoppm = QStandardPaths::findExecutable("pdftoppm");
    if (pdftoppm.isEmpty()) return;
    const QString prefix = dir_ + "/chart_pdf_page";
    QProcess render;
    render.start(pdftoppm, {"-r", "72", "-png", "-singlefile", file, prefix});
    QVERIFY(render.waitForFinished(20000));
    QCOMPARE(render.exitCode(), 0);
    QImage page(prefix + ".png");
    QVERIFY(!page.isNull());
    QVERIFY2(colourCount(page) > 20, "the PDF page is blank");
  }

  void heatmapExports() {
    HeatmapMatrix m;
    m.title = "kurtosis";
    m.valueLabel = "kurtosis";
    m.rowLabels = {"layer 0", "layer 1"};
    m.columnLabels = {"W q_proj", "A q_proj"};
    m.values = {3, 4, 50, 60};
    FigureSize size;
    size.dpi = 120;
    for (const char* suffix : {"png", "svg", "pdf"}) exportHeatmap(m, true, dir_ + "/heat." + suffix, size);
    QImage image(dir_ + "/heat.png");
    QCOMPARE(image.size(), size.pixels());
    QVERIFY(colourCount(image) > 5);
    QCOMPARE(parseSvg(dir_ + "/heat.svg").name, QString("svg"));
    QVERIFY(readAll(dir_ + "/heat.pdf").startsWith("%PDF"));
  }

  void badFileNamesThrowWithTheName() {
    std::unique_ptr<QChart> chart(makeCurveChart(curves_, ChartStyle::publication()));
    try {
      exportChart(chart.get(), dir_ + "/chart.bmp", FigureSize{});
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("chart.bmp"));
    }
    QVERIFY_THROWS_EXCEPTION(Error, exportChart(chart.get(), "/nonexistent/dir/chart.png", FigureSize{}));
    QVERIFY(chart->scene() == nullptr);
  }

  void tablesAsCsvLatexMarkdown() {
    QStandardItemModel m(2, 3);
    m.setHorizontalHeaderLabels({"Config", "acc", "note"});
    m.setItem(0, 0, new QStandardItem("W4A16KV16-g128"));
    m.setItem(0, 1, new QStandardItem("0.58"));
    m.setItem(0, 2, new QStandardItem("a, \"quoted\" note"));
    m.setItem(1, 0, new QStandardItem("FP16"));
    m.setItem(1, 1, new QStandardItem("0.6"));
    m.setItem(1, 2, new QStandardItem("50% & more_x"));
    const QString csv = tableToCsv(m);
    QCOMPARE(csv, QString("Config,acc,note\r\nW4A16KV16-g128,0.58,\"a, \"\"quoted\"\" note\"\r\nFP16,0.6,50% & more_x\r\n"));
    const QString tex = tableToLatex(m);
    QVERIFY(tex.contains("\\begin{tabular}{lrl}"));
    QVERIFY(tex.contains("\\toprule") && tex.contains("\\midrule") && tex.contains("\\bottomrule"));
    QVERIFY(tex.contains("50\\% \\& more\\_x"));
    const QString md = tableToMarkdown(m);
    QVERIFY(md.startsWith("| Config | acc | note |\n|---|---:|---|\n"));
    exportTable(m, dir_ + "/t.md");
    QCOMPARE(QString::fromUtf8(readAll(dir_ + "/t.md")), md);
    QVERIFY_THROWS_EXCEPTION(Error, exportTable(m, dir_ + "/t.xlsx"));
  }

  void figureSetWritesEveryChart() {
    ExperimentStore store(db_, ExperimentStore::Mode::ReadOnly);
    const ExperimentSnapshot snapshot = ExperimentSnapshot::load(store);
    const QString out = dir_ + "/figures";
    FigureSize size;
    size.dpi = 72;
    const FigureSetResult r = exportFigureSet(store, snapshot, out, {"png", "svg"}, size);
    QVERIFY2(r.problems.isEmpty(), qPrintable(r.problems.join("\n")));
    // 2 tasks x 1 metric x (absolute, relative) curves + 4 heatmaps, in 2 formats; 3 + 6 tables.
    QCOMPARE(r.written.size(), (2 * 2 + 4) * 2 + 3 + 6);
    for (const QString& f : r.written) QVERIFY2(QFileInfo(f).size() > 0, qPrintable(f));
    QVERIFY(QFileInfo::exists(out + "/curves_arc_easy_acc.png"));
    QVERIFY(QFileInfo::exists(out + "/curves_wikitext_word_perplexity_relative.svg"));
    QVERIFY(QFileInfo::exists(out + "/heatmap_opt-125m_FP16_kurtosis.png"));
    QVERIFY(readAll(out + "/paper_table.tex").contains("\\toprule"));
    QVERIFY(readAll(out + "/results.csv").contains("W4A16KV16-g128"));
  }

  void figureSetReportsProgressAndCancels() {
    ExperimentStore store(db_, ExperimentStore::Mode::ReadOnly);
    const ExperimentSnapshot snapshot = ExperimentSnapshot::load(store);
    FigureSize size;
    size.dpi = 72;
    QList<int> seen;
    int reportedTotal = 0;
    const FigureSetResult all = exportFigureSet(store, snapshot, dir_ + "/progress", {"png"}, size,
                                                [&](int done, int total, const QString&) {
                                                  seen << done;
                                                  reportedTotal = total;
                                                  return true;
                                                });
    QCOMPARE(reportedTotal, int(all.written.size()));
    QCOMPARE(seen.front(), 0);
    QCOMPARE(seen.back(), reportedTotal);  // the final call: everything done
    QVERIFY(!all.cancelled);
    // Cancelled before the fourth file: three written, nothing after.
    const QString out = dir_ + "/cancelled";
    const FigureSetResult part =
        exportFigureSet(store, snapshot, out, {"png"}, size, [](int done, int, const QString&) { return done < 3; });
    QVERIFY(part.cancelled);
    QCOMPARE(part.written.size(), 3);
    QCOMPARE(QDir(out).entryList(QDir::Files).size(), 3);
  }

  void paperTableDialogExportsTheChoice() {
    ExperimentStore store(db_, ExperimentStore::Mode::ReadOnly);
    auto snapshot = std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store));
    PaperExportDialog dialog(snapshot, dir_);
    dialog.selectOnly("tasks", {"arc_easy"});
    dialog.selectOnly("configs", {"FP16", "W4A16KV16-g128", "W8A16KV16-g128"});
    dialog.setFormat(TableFormat::Latex);
    dialog.setCaption("Accuracy under weight-only quantization", "tab:w-only");
    dialog.setFlags(true, false, true);
    const QString tex = dialog.text();
    QVERIFY2(tex.contains("\\caption{Accuracy under weight-only quantization}"), qPrintable(tex));
    QVERIFY(tex.contains("\\label{tab:w-only}"));
    QVERIFY(tex.contains("\\textbf{"));
    QVERIFY(tex.contains("arc\\_easy/acc"));
    QVERIFY(!tex.contains("wikitext"));          // the other task was left out
    QVERIFY(!tex.contains("W3A16KV16"));          // and so were the other configurations
    QVERIFY(tex.contains("\\%"));                 // relative values
    QVERIFY(!tex.contains("$\\pm$"));             // without stderr
    // The same choice in Markdown.
    dialog.setFormat(TableFormat::Markdown);
    QVERIFY(dialog.text().startsWith("| Model | Quant | arc_easy/acc |") || dialog.text().startsWith("| Quant | arc_easy/acc |"));
    dialog.saveTo(dir_ + "/paper.md");
    QCOMPARE(QString::fromUtf8(readAll(dir_ + "/paper.md")), dialog.text());
    // Nothing checked: an empty table, not every column.
    dialog.selectOnly("metrics", {});
    QVERIFY(!dialog.text().contains("arc_easy/acc"));
  }
};

QTEST_MAIN(TestFigureExport)
#include "test_figure_export.moc"
