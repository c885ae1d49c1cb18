#pragma once
// The Curves tab: metric vs bit-width for one task, one series per model and tensor type, the FP16
// baseline as a dashed line, absolute or relative to the baseline, optional log axis; hover for
// value ± stderr, click a legend entry to hide or show its series.
#include <QWidget>
#include <memory>

#include "ui/curve_data.h"
#include "ui/figure_export.h"

class QCheckBox;
class QComboBox;
class QLabel;
QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
QT_END_NAMESPACE

namespace qs {

struct ExperimentSnapshot;

class CurvesView : public QWidget {
  Q_OBJECT
 public:
  explicit CurvesView(QWidget* parent = nullptr);

  void setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot);
  CurveOptions options() const;
  const CurveSet& curves() const { return curves_; }
  QChart* chart() const;
  bool logY() const;

  QComboBox* taskBox() const { return task_; }
  QComboBox* metricBox() const { return metric_; }
  // The line under the chart: notes, and which direction is better.
  QLabel* notesLabel() const { return notes_; }
  QComboBox* modeBox() const { return mode_; }
  // x axis: bit-width or bits per weight (CurveXAxis as item data).
  QComboBox* xAxisBox() const { return xAxis_; }
  QCheckBox* logBox() const { return log_; }
  QCheckBox* familyBox(QuantFamily family) const;

  // Paired tests against FP16 of the snapshot's runs, read off the GUI thread after each snapshot;
  // the chart is redrawn with them when they arrive.
  const SignificanceMap& significance() const { return significance_; }
  bool significancePending() const { return testing_; }

  // Writes the current chart at publication quality (a fresh chart with fixed fonts).
  void exportChartTo(const QString& file, const FigureSize& size) const;
  // The chart title for the current options ("arc_easy: acc vs bit-width").
  QString title() const;

 public Q_SLOTS:
  void rebuild();

 private:
  void fillTasks();
  void fillMetrics();
  void connectLegend();
  void startSignificanceTests();
  QString notesHtml() const;

  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  CurveSet curves_;
  QComboBox* task_ = nullptr;
  QComboBox* metric_ = nullptr;
  QComboBox* mode_ = nullptr;
  QComboBox* xAxis_ = nullptr;
  QCheckBox* log_ = nullptr;
  QCheckBox* families_[3] = {};
  QChartView* view_ = nullptr;
  QLabel* notes_ = nullptr;
  bool updating_ = false;
  SignificanceMap significance_;
  std::string significanceFile_;  // the database significance_ was computed on
  bool testing_ = false;
  bool retest_ = false;  // a snapshot came while testing: test its new runs afterwards
};

}  // namespace qs
