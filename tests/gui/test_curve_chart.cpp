// The curves chart's axes, markers and tooltips: ticks where the data are (every bit-width plotted,
// round values on a log axis, also inside one decade), in the chart and in an exported figure.
#include <QtTest/QtTest>

#include <QCategoryAxis>
#include <QChart>
#include <QFile>
#include <QLineSeries>
#include <QXmlStreamReader>
#include <cmath>

#include "tests/support/test_support.h"
#include "ui/axis_ticks.h"
#include "ui/curve_chart.h"
#include "ui/curve_data.h"
#include "ui/figure_export.h"

namespace {

using namespace qs;

CurveSeries series(const std::string& name, QuantFamily family, std::vector<std::pair<double, double>> points,
                   std::optional<double> stdError = std::nullopt) {
  CurveSeries s{name, "m", 1, family, {}};
  int64_t id = 1;
  for (auto [bits, value] : points) s.points.push_back(CurvePoint{bits, value, stdError, id++, "", std::nullopt});
  return s;
}

// A perplexity chart whose values stay inside one decade (20..35), where QLogValueAxis has no tick.
CurveSet perplexityCurves() {
  CurveSet set;
  set.options.task = "wikitext";
  set.options.metric = "word_perplexity";
  set.higherIsBetter = false;
  set.series.push_back(series("m · W only", QuantFamily::Weight, {{2, 35}, {3, 28}, {4, 22}, {8, 20.5}}));
  set.baselines.push_back(CurveBaseline{"m", 1, 20.0, std::nullopt, 9, std::nullopt});
  return set;
}

QStringList axisLabels(QCategoryAxis* axis) { return axis ? axis->categoriesLabels() : QStringList{}; }

// Every <text> element's content of an SVG file.
QStringList svgTexts(const QString& file) {
  QFile f(file);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QXmlStreamReader xml(&f);
  QStringList texts;
  while (!xml.atEnd())
    if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("text"))
      texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
  return texts;
}

}  // namespace

class TestCurveChart : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void logTicksAreRoundValuesInRange() {
    auto values = [](const std::vector<AxisTick>& ticks) {
      std::vector<std::string> out;
      for (const auto& t : ticks) out.push_back(t.label);
      return out;
    };
    // Inside one decade: no power of ten, no 1-2-5 value but 20: evenly spaced round values.
    QCOMPARE(values(logAxisTicks(19.1, 36.6)), (std::vector<std::string>{"20", "25", "30", "35"}));
    QCOMPARE(values(logAxisTicks(1.9, 4.4)), (std::vector<std::string>{"2", "3", "4"}));
    QCOMPARE(values(logAxisTicks(25, 1100)), (std::vector<std::string>{"50", "100", "200", "500", "1000"}));
    // Twelve decades: powers of ten, thinned so the labels do not collide.
    const auto wide = logAxisTicks(1e-3, 1e9);
    QVERIFY(wide.size() >= 3 && wide.size() <= 8);
    for (size_t i = 0; i < wide.size(); ++i) {
      QVERIFY(wide[i].value >= 1e-3 && wide[i].value <= 1e9);
      QVERIFY(i == 0 || wide[i].value > wide[i - 1].value);
    }
    QCOMPARE(axisNumber(-2.7755575615628914e-17), std::string("0"));
    QCOMPARE(axisNumber(0.3), std::string("0.3"));
    QCOMPARE(axisNumber(16), std::string("16"));
  }

  // The log axis of a perplexity chart labels round values inside the data's range, on screen
  // and in an exported SVG.
  void logAxisHasLabelledTicksWithinOneDecade() {
    ChartStyle style = ChartStyle::publication();
    style.logY = true;
    std::unique_ptr<QChart> chart(makeCurveChart(perplexityCurves(), style));
    auto* y = qobject_cast<QCategoryAxis*>(chart->axes(Qt::Vertical).first());
    QVERIFY(y);
    QCOMPARE(axisLabels(y), (QStringList{"20", "25", "30", "35"}));
    // The axis (log10 of the values) covers every point and the baseline.
    QVERIFY(y->min() <= std::log10(20.0) && y->max() >= std::log10(35.0));
    QLineSeries* line = nullptr;
    for (QAbstractSeries* s : chart->series())
      if (s->name() == "m · W only") line = qobject_cast<QLineSeries*>(s);
    QVERIFY(line);
    QCOMPARE(line->at(0).y(), std::log10(35.0));
    QCOMPARE(line->property("values").toList().at(0).toDouble(), 35.0);

    const auto dir = test::freshTempDir("gui_curve_chart");
    const QString file = QString::fromStdString((dir / "perplexity.svg").string());
    exportChart(chart.get(), file, FigureSize{});
    const QStringList texts = svgTexts(file);
    for (const char* label : {"20", "25", "30", "35", "2", "3", "4", "8"})
      QVERIFY2(texts.contains(label), qPrintable(QString("%1 not in %2").arg(label, texts.join(" | "))));
  }

  // The x axis labels exactly the bit-widths plotted (3 included, no 16 without data) and runs from
  // just below the smallest to just above the largest.
  void bitAxisLabelsTheBitWidthsPlotted() {
    CurveSet set;
    set.options.task = "arc_easy";
    set.options.metric = "acc";
    set.series.push_back(series("m · W only", QuantFamily::Weight, {{2, 0.3}, {3, 0.5}, {4, 0.58}, {8, 0.6}}, 0.01));
    set.series.push_back(series("m · KV only", QuantFamily::Kv, {{2, 0.4}, {4, 0.59}, {8, 0.6}}, 0.01));
    set.baselines.push_back(CurveBaseline{"m", 1, 0.6, 0.01, 9, std::nullopt});
    std::unique_ptr<QChart> chart(makeCurveChart(set, ChartStyle::publication()));
    auto* x = qobject_cast<QCategoryAxis*>(chart->axes(Qt::Horizontal).first());
    QVERIFY(x);
    QCOMPARE(axisLabels(x), (QStringList{"2", "3", "4", "8"}));
    QCOMPARE(x->endValue("3"), std::log2(3.0));
    QVERIFY(x->min() < 1 && x->min() > 0.5);  // just below 2 bits
    QVERIFY(x->max() > 3 && x->max() < 3.5);  // just above 8 bits, well below 16
    // The baseline spans the axis.
    for (QAbstractSeries* s : chart->series())
      if (s->property("baseline").toBool()) {
        auto* b = qobject_cast<QLineSeries*>(s);
        QCOMPARE(b->at(0).x(), x->min());
        QCOMPARE(b->at(1).x(), x->max());
      }
  }

  // Series at the same bit-width stand side by side, symmetric around the true x, each series'
  // whiskers at its own points; markers are 7-8 px across on screen.
  void seriesAtOneBitWidthAreDodged() {
    QCOMPARE(dodgeOffset(0, 1, 0.2), 0.0);
    QCOMPARE(dodgeOffset(0, 3, 0.2), -0.1);
    QCOMPARE(dodgeOffset(1, 3, 0.2), 0.0);
    QCOMPARE(dodgeOffset(2, 3, 0.2), 0.1);

    CurveSet set;
    set.options.task = "arc_easy";
    set.options.metric = "acc";
    set.series.push_back(series("m · W only", QuantFamily::Weight, {{3, 0.5}, {4, 0.58}, {8, 0.6}}, 0.02));
    set.series.push_back(series("m · KV only", QuantFamily::Kv, {{3, 0.52}, {4, 0.59}, {8, 0.6}}, 0.02));
    std::unique_ptr<QChart> chart(makeCurveChart(set, ChartStyle::screen()));
    std::vector<QLineSeries*> lines;
    std::map<QObject*, std::vector<double>> whiskerXs;
    for (QAbstractSeries* s : chart->series()) {
      auto* line = qobject_cast<QLineSeries*>(s);
      if (QObject* owner = s->property("whiskerOf").value<QObject*>()) {
        QCOMPARE(line->at(0).x(), line->at(1).x());  // vertical
        whiskerXs[owner].push_back(line->at(0).x());
      } else {
        lines.push_back(line);
      }
    }
    QCOMPARE(int(lines.size()), 2);
    for (int i = 0; i < 3; ++i) {
      const double a = lines[0]->at(i).x(), b = lines[1]->at(i).x();
      const double trueX = std::log2(lines[0]->property("bits").toList().at(i).toDouble());
      QVERIFY2(a != b, "two series at one bit-width drawn at the same x");
      QVERIFY(std::abs((a + b) / 2 - trueX) < 1e-12);
      QVERIFY(std::abs(a - b) <= 0.5 * std::log2(4.0 / 3.0) + 1e-12);  // within half the 3..4 gap
    }
    for (QLineSeries* line : lines) {
      QCOMPARE(int(whiskerXs[line].size()), 3);
      for (int i = 0; i < 3; ++i) QCOMPARE(whiskerXs[line][i], line->at(i).x());
      QVERIFY(line->pointsVisible());
      QVERIFY2(line->markerSize() * 2 >= 7 && line->markerSize() * 2 <= 8, qPrintable(QString::number(line->markerSize())));
    }
  }

  // Hover text: series, bit-width and config, value ± stderr, n; a whisker speaks for its point.
  void toolTipNamesThePoint() {
    CurveSet set;
    set.options.task = "arc_easy";
    set.options.metric = "acc";
    set.series.push_back(series("m · W only", QuantFamily::Weight, {{2, 0.3}, {4, 0.58}, {8, 0.6}}, 0.012));
    set.series.push_back(series("m · KV only", QuantFamily::Kv, {{4, 0.59}}));
    set.series[0].points[1].quantName = "W4A16KV16-g128";
    set.series[0].points[1].samples = 2376;
    set.baselines.push_back(CurveBaseline{"m", 1, 0.6, 0.01, 9, 2376});
    std::unique_ptr<QChart> chart(makeCurveChart(set, ChartStyle::screen()));
    QLineSeries *line = nullptr, *whisker = nullptr, *baseline = nullptr;
    for (QAbstractSeries* s : chart->series()) {
      if (s->name() == "m · W only") line = qobject_cast<QLineSeries*>(s);
      if (s->property("baseline").toBool()) baseline = qobject_cast<QLineSeries*>(s);
    }
    QVERIFY(line && baseline);
    for (QAbstractSeries* s : chart->series())
      if (s->property("whiskerOf").value<QObject*>() == line && qobject_cast<QLineSeries*>(s)->at(0).x() == line->at(1).x())
        whisker = qobject_cast<QLineSeries*>(s);
    QVERIFY(whisker);

    const QString tip = curvePointToolTip(line, 1);
    QCOMPARE(tip, QString::fromUtf8("m · W only\n4 bits (W4A16KV16-g128)\n0.58 ± 0.012, n = 2376"));
    // Positions as hovered() reports them: on the dodged point, between points, on the whisker.
    QCOMPARE(nearestCurvePoint(line, line->at(1)), 1);
    QCOMPARE(nearestCurvePoint(line, QPointF(line->at(2).x() - 0.1, 0.2)), 2);
    QCOMPARE(curveToolTipAt(whisker, whisker->at(0)), tip);
    QCOMPARE(curvePointToolTip(line, 7), QString());
    const QString baseTip = curveToolTipAt(baseline, baseline->at(0));
    QVERIFY2(baseTip.contains("FP16 baseline") && baseTip.contains(QString::fromUtf8("0.6 ± 0.01, n = 2376")),
             qPrintable(baseTip));
  }
};

QTEST_MAIN(TestCurveChart)
#include "test_curve_chart.moc"
