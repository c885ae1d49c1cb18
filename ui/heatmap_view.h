#pragma once
// The Heatmaps tab: layer x tensor grid of one statistic (kurtosis, absmax, std, outlier ratio) for
// weights, activations, K and V of one (model, quant config); a click on a cell shows that
// tensor's numbers and its layer x channel absmax profile. For a mixture-of-experts model also
// layer x expert for one role, and the router's load per expert. The per-tensor analyses
// (sensitivity KL, weight / output SQNR) are further quantities: layer x role for one (model,
// config, calibration) scan, with their rank correlation against the weight kurtosis.
#include <QWidget>
#include <memory>
#include <optional>

#include "ui/analysis_heatmap_data.h"
#include "ui/heatmap_data.h"
#include "ui/figure_export.h"

class QCheckBox;
class QComboBox;
class QLabel;

namespace qs {

class ExperimentStore;
struct ExperimentSnapshot;
class HeatmapWidget;
class HeatmapTableModel;

class HeatmapView : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapView(QWidget* parent = nullptr);

  // The store is read for the statistics of the chosen key; it must outlive the view or be reset.
  void setSource(const ExperimentStore* store, std::shared_ptr<const ExperimentSnapshot> snapshot);

  HeatmapWidget* tensorMap() const { return tensorMap_; }
  HeatmapWidget* channelMap() const { return channelMap_; }
  HeatmapTableModel* tensorModel() const { return tensorModel_; }
  QComboBox* keyBox() const { return key_; }
  QComboBox* calibrationBox() const { return calibration_; }
  QComboBox* kindBox() const { return kind_; }
  QComboBox* metricBox() const { return metric_; }
  // Mixture-of-experts models: layer x tensor, layer x expert (for expertRoleBox's role) or the
  // router's load per expert. Hidden for models without experts.
  QComboBox* viewBox() const { return view_; }
  QComboBox* expertRoleBox() const { return expertRole_; }
  QCheckBox* logBox() const { return log_; }
  QString detailsText() const;
  // "Spearman rank correlation ... with weight kurtosis ...": shown for the per-tensor analyses.
  QLabel* correlationLabel() const { return correlation_; }
  // Selects a quantity of metricBox: a statistic or a per-tensor analysis.
  void setQuantity(AnalysisQuantity quantity);

  void exportTensorMap(const QString& file, const FigureSize& size) const;
  void exportChannelMap(const QString& file, const FigureSize& size) const;

 public Q_SLOTS:
  void rebuild();
  void selectCell(int row, int column);

 private:
  void fillKeys();
  void fillCalibrations();
  void fillExpertRoles();
  HeatmapMatrix currentMatrix() const;
  std::vector<LayerStatRecord> currentStats() const;
  // The analysis metricBox shows, nullopt for a statistic.
  std::optional<AnalysisQuantity> analysisQuantity() const;
  void rebuildAnalysis(AnalysisQuantity quantity);
  void selectAnalysisCell(int row, int column);
  QString kurtosisCorrelationText(AnalysisQuantity quantity, const std::vector<TensorValue>& values) const;
  const std::vector<StatsKey>* keyList() const;  // the keys of the current quantity

  const ExperimentStore* store_ = nullptr;
  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  std::vector<LayerStatRecord> stats_;
  std::vector<SensitivityRecord> sensitivity_;
  std::vector<QuantErrorRecord> quantErrors_;
  int keyMode_ = -1;  // which list the key box holds: -1 statistics, else an AnalysisQuantity's store table
  QComboBox* key_ = nullptr;
  QComboBox* calibration_ = nullptr;
  QComboBox* kind_ = nullptr;
  QComboBox* metric_ = nullptr;
  QComboBox* view_ = nullptr;
  QComboBox* expertRole_ = nullptr;
  QCheckBox* log_ = nullptr;
  HeatmapWidget* tensorMap_ = nullptr;
  HeatmapWidget* channelMap_ = nullptr;
  HeatmapTableModel* tensorModel_ = nullptr;
  QLabel* details_ = nullptr;
  QLabel* correlation_ = nullptr;
  bool updating_ = false;
};

// Paints a matrix with the heatmap widget's drawing at publication size.
void exportHeatmap(const HeatmapMatrix& matrix, bool logScale, const QString& file, const FigureSize& size);

}  // namespace qs
