#include "ui/heatmap_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFont>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QVBoxLayout>
#include <set>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "tasks/report/results_table.h"
#include "ui/experiment_snapshot.h"
#include "ui/heatmap_table_model.h"
#include "ui/heatmap_widget.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString number(double v) { return std::isfinite(v) ? QString::number(v, 'g', 6) : QString("—"); }

constexpr int kAnalysisBase = 100;  // metricBox data of the analyses: kAnalysisBase + AnalysisQuantity

// The store table a quantity reads: the two SQNRs share the quantization-error scan.
int keyModeOf(std::optional<AnalysisQuantity> quantity) {
  if (!quantity) return -1;
  return *quantity == AnalysisQuantity::Sensitivity ? 0 : 1;
}

const char* kStatsPlaceholder = "Click a cell above to see that tensor's absmax per channel and layer";

}  // namespace

void exportHeatmap(const HeatmapMatrix& matrix, bool logScale, const QString& file, const FigureSize& size) {
  HeatmapWidget painter;  // never shown: only its drawing is used
  painter.setMatrix(matrix);
  painter.setLogScale(logScale);
  QFont font("DejaVu Sans");
  font.setPixelSize(7);
  exportFigure(file, size, [&](QPainter& p, const QRectF& rect) { painter.paintHeatmap(p, rect.adjusted(4, 4, -4, -4), font); },
               q(matrix.title));
}

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  key_ = new QComboBox(this);
  key_->setMinimumContentsLength(24);
  key_->setToolTip("Model and quantization config the statistics were gathered under");
  calibration_ = new QComboBox(this);
  calibration_->setToolTip("Calibration text of the activation and KV statistics (weights need none)");
  kind_ = new QComboBox(this);
  kind_->addItem("all tensors", "");
  kind_->addItem("weights", "weight");
  kind_->addItem("activations", "activation");
  kind_->addItem("keys", "key");
  kind_->addItem("values", "value");
  metric_ = new QComboBox(this);
  metric_->addItem("kurtosis", int(StatMetric::Kurtosis));
  metric_->addItem("absmax", int(StatMetric::AbsMax));
  metric_->addItem("std", int(StatMetric::Std));
  metric_->addItem("outlier ratio", int(StatMetric::OutlierRatio));
  metric_->insertSeparator(metric_->count());
  metric_->addItem("sensitivity (KL)", kAnalysisBase + int(AnalysisQuantity::Sensitivity));
  metric_->addItem("weight SQNR (dB)", kAnalysisBase + int(AnalysisQuantity::WeightSqnr));
  metric_->addItem("output SQNR (dB)", kAnalysisBase + int(AnalysisQuantity::OutputSqnr));
  metric_->setToolTip("Kurtosis is Pearson's (a normal distribution gives 3).\n"
                      "Sensitivity: KL divergence of the model with only that tensor quantized, against full precision "
                      "(quantscope-cli sensitivity).\nSQNR: signal-to-quantization-noise ratio of the quantized weight, "
                      "or of the linear's output on calibration text, in dB (higher = less error; quantscope-cli quant-error).");
  view_ = new QComboBox(this);
  view_->addItem("layer × tensor", 0);
  view_->addItem("layer × expert", 1);
  view_->addItem("router load", 2);
  view_->setToolTip("Mixture-of-experts models: statistics per expert for one role, or the share of tokens each "
                    "expert received from the router on the calibration text");
  view_->setVisible(false);
  expertRole_ = new QComboBox(this);
  expertRole_->setToolTip("The role whose experts the layer × expert view compares");
  expertRole_->setVisible(false);
  log_ = new QCheckBox("Log colour scale", this);
  log_->setChecked(true);
  controls->addWidget(key_, 2);
  controls->addWidget(calibration_, 1);
  controls->addWidget(kind_);
  controls->addWidget(metric_);
  controls->addWidget(view_);
  controls->addWidget(expertRole_);
  controls->addWidget(log_);
  layout->addLayout(controls);
  correlation_ = new QLabel(this);
  correlation_->setWordWrap(true);
  correlation_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  correlation_->setVisible(false);
  layout->addWidget(correlation_);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  tensorMap_ = new HeatmapWidget(splitter);
  auto* lower = new QSplitter(Qt::Horizontal, splitter);
  channelMap_ = new HeatmapWidget(lower);
  channelMap_->setPlaceholder(kStatsPlaceholder);
  details_ = new QLabel(lower);
  details_->setWordWrap(true);
  details_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  details_->setMinimumWidth(220);
  details_->setText("Click a cell to see that tensor's numbers and its per-channel absmax.");
  lower->setStretchFactor(0, 3);
  lower->setStretchFactor(1, 1);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  layout->addWidget(splitter, 1);
  tensorModel_ = new HeatmapTableModel(this);

  connect(key_, &QComboBox::currentIndexChanged, this, [this] {
    if (updating_) return;
    fillCalibrations();
    rebuild();
  });
  connect(calibration_, &QComboBox::currentIndexChanged, this, &HeatmapView::rebuild);
  connect(kind_, &QComboBox::currentIndexChanged, this, &HeatmapView::rebuild);
  connect(metric_, &QComboBox::currentIndexChanged, this, [this] {
    if (updating_) return;
    // The analyses have keys of their own (the configuration applied to one tensor at a time).
    if (keyModeOf(analysisQuantity()) != keyMode_) fillKeys();
    rebuild();
  });
  connect(view_, &QComboBox::currentIndexChanged, this, &HeatmapView::rebuild);
  connect(expertRole_, &QComboBox::currentIndexChanged, this, &HeatmapView::rebuild);
  connect(log_, &QCheckBox::toggled, this, [this](bool on) {
    tensorMap_->setLogScale(on && (!analysisQuantity() || *analysisQuantity() == AnalysisQuantity::Sensitivity));
    channelMap_->setLogScale(on);
  });
  connect(tensorMap_, &HeatmapWidget::cellClicked, this, &HeatmapView::selectCell);
}

void HeatmapView::setSource(const ExperimentStore* store, std::shared_ptr<const ExperimentSnapshot> snapshot) {
  store_ = store;
  snapshot_ = std::move(snapshot);
  fillKeys();
  rebuild();
}

std::optional<AnalysisQuantity> HeatmapView::analysisQuantity() const {
  const int data = metric_->currentData().toInt();
  if (data < kAnalysisBase) return std::nullopt;
  return static_cast<AnalysisQuantity>(data - kAnalysisBase);
}

void HeatmapView::setQuantity(AnalysisQuantity quantity) {
  metric_->setCurrentIndex(metric_->findData(kAnalysisBase + int(quantity)));
}

const std::vector<StatsKey>* HeatmapView::keyList() const {
  if (!snapshot_) return nullptr;
  switch (keyModeOf(analysisQuantity())) {
    case 0: return &snapshot_->sensitivityKeys;
    case 1: return &snapshot_->quantErrorKeys;
    default: return &snapshot_->statsKeys;
  }
}

void HeatmapView::fillKeys() {
  updating_ = true;
  const QString keep = key_->currentText();
  key_->clear();
  keyMode_ = keyModeOf(analysisQuantity());
  if (const auto* keys = keyList()) {
    std::set<std::pair<int64_t, std::string>> seen;
    for (const auto& k : *keys) {
      if (!seen.insert({k.modelId, k.quantName}).second) continue;
      StatsKey shown{k.modelId, k.quantName, ""};
      key_->addItem(q(statsKeyLabel(*snapshot_, shown)), QVariantList{QVariant::fromValue<qlonglong>(k.modelId), q(k.quantName)});
    }
  }
  key_->setCurrentIndex(std::max(0, key_->findText(keep)));
  updating_ = false;
  fillCalibrations();
}

void HeatmapView::fillCalibrations() {
  const bool was = updating_;
  updating_ = true;
  const QString keep = calibration_->currentText();
  calibration_->clear();
  const QVariantList key = key_->currentData().toList();
  if (const auto* keys = keyList(); keys && key.size() == 2)
    for (const auto& k : *keys)
      if (k.modelId == key[0].toLongLong() && q(k.quantName) == key[1].toString() && !k.calibration.empty())
        calibration_->addItem(q(k.calibration), q(k.calibration));
  if (calibration_->count() == 0) calibration_->addItem(analysisQuantity() ? "(no calibration text)" : "(weights only)", QString());
  calibration_->setCurrentIndex(std::max(0, calibration_->findText(keep)));
  updating_ = was;
}

std::vector<LayerStatRecord> HeatmapView::currentStats() const {
  const QVariantList key = key_->currentData().toList();
  if (!store_ || key.size() != 2) return {};
  StatsQuery query;
  query.modelId = key[0].toLongLong();
  query.quantName = key[1].toString().toStdString();
  const std::string calibration = calibration_->currentData().toString().toStdString();
  std::vector<LayerStatRecord> kept;
  for (auto& s : store_->layerStats(query))
    if (s.key.calibration.empty() || s.key.calibration == calibration) kept.push_back(std::move(s));
  return kept;
}

void HeatmapView::rebuild() {
  if (updating_) return;
  const auto quantity = analysisQuantity();
  kind_->setEnabled(!quantity);
  log_->setEnabled(!quantity || *quantity == AnalysisQuantity::Sensitivity);  // dB is a log scale already
  correlation_->setVisible(bool(quantity));
  channelMap_->setPlaceholder(quantity ? "Per-channel profiles belong to the statistics (kurtosis, absmax, std, outlier "
                                         "ratio): choose one of them to see a tensor's channels"
                                       : kStatsPlaceholder);
  if (quantity) {
    rebuildAnalysis(*quantity);
    return;
  }
  QString problem;
  try {
    stats_ = currentStats();
  } catch (const Error& e) {
    stats_.clear();
    problem = q(e.what());
  }
  fillExpertRoles();
  HeatmapMatrix m = currentMatrix();
  if (!key_->count()) m.title = "No statistics in this database";
  tensorModel_->setMatrix(m);
  tensorMap_->setMatrix(m);
  tensorMap_->setLogScale(log_->isChecked());
  channelMap_->setMatrix({});
  details_->setText(problem.isEmpty() ? "Click a cell to see that tensor's numbers and its per-channel absmax."
                                      : "<span style='color:#b00'>" + problem.toHtmlEscaped() + "</span>");
  // Start on the most extreme tensor: usually the one worth a look.
  int bestRow = -1, bestColumn = -1;
  for (int r = 0; r < m.rows(); ++r)
    for (int c = 0; c < m.columns(); ++c)
      if (std::isfinite(m.at(r, c)) && (bestRow < 0 || m.at(r, c) > m.at(bestRow, bestColumn))) bestRow = r, bestColumn = c;
  if (problem.isEmpty() && bestRow >= 0) selectCell(bestRow, bestColumn);
}

void HeatmapView::fillExpertRoles() {
  const auto roles = expertRoles(stats_);
  const QString current = expertRole_->currentText();
  updating_ = true;
  expertRole_->clear();
  for (const auto& r : roles) expertRole_->addItem(q(r));
  if (int i = expertRole_->findText(current); i >= 0) expertRole_->setCurrentIndex(i);
  if (roles.empty()) view_->setCurrentIndex(0);
  updating_ = false;
  view_->setVisible(!roles.empty());
  expertRole_->setVisible(!roles.empty() && view_->currentData().toInt() == 1);
}

HeatmapMatrix HeatmapView::currentMatrix() const {
  const auto metric = static_cast<StatMetric>(metric_->currentData().toInt());
  const std::string kind = kind_->currentData().toString().toStdString();
  const QString prefix = key_->currentText() + ": ";
  HeatmapMatrix m;
  switch (view_->currentData().toInt()) {
    case 1:
      // All tensors has no single kind per expert cell: weights then.
      m = layerExpertMatrix(stats_, metric, expertRole_->currentText().toStdString(), kind.empty() ? "weight" : kind);
      break;
    case 2:
      return routerLoadMatrix(stats_);
    default:
      m = layerTensorMatrix(stats_, metric, kind);
      m.title = (prefix + metric_->currentText()).toStdString();
      return m;
  }
  m.title = prefix.toStdString() + m.title;
  return m;
}

void HeatmapView::rebuildAnalysis(AnalysisQuantity quantity) {
  view_->setVisible(false);
  expertRole_->setVisible(false);
  stats_.clear();
  sensitivity_.clear();
  quantErrors_.clear();
  QString problem;
  std::vector<TensorValue> values;
  const QVariantList key = key_->currentData().toList();
  try {
    if (store_ && key.size() == 2) {
      const int64_t model = key[0].toLongLong();
      const std::string quant = key[1].toString().toStdString();
      const std::string calibration = calibration_->currentData().toString().toStdString();
      if (quantity == AnalysisQuantity::Sensitivity) {
        sensitivity_ = store_->sensitivity(model, quant, calibration);
        values = tensorValues(sensitivity_);
      } else {
        quantErrors_ = store_->quantErrors(model, quant, calibration);
        values = tensorValues(quantErrors_, quantity);
      }
    }
  } catch (const Error& e) {
    problem = q(e.what());
  }
  HeatmapMatrix m = layerRoleMatrix(values, quantity);
  m.title = (key_->currentText() + ": " + q(analysisQuantityName(quantity))).toStdString();
  if (!key_->count())
    m.title = quantity == AnalysisQuantity::Sensitivity
                  ? "No sensitivity scan in this database (quantscope-cli sensitivity writes one)"
                  : "No quantization-error scan in this database (quantscope-cli quant-error writes one)";
  tensorModel_->setMatrix(m);
  tensorMap_->setMatrix(m);
  tensorMap_->setLogScale(quantity == AnalysisQuantity::Sensitivity && log_->isChecked());
  channelMap_->setMatrix({});
  correlation_->setText(key_->count() ? kurtosisCorrelationText(quantity, values) : QString());
  details_->setText(problem.isEmpty() ? "Click a cell to see that tensor's numbers."
                                      : "<span style='color:#b00'>" + problem.toHtmlEscaped() + "</span>");
  // Start on the tensor that matters most: the most sensitive, or the one with the least SQNR.
  const bool lowest = quantity != AnalysisQuantity::Sensitivity;
  int bestRow = -1, bestColumn = -1;
  for (int r = 0; r < m.rows(); ++r)
    for (int c = 0; c < m.columns(); ++c)
      if (std::isfinite(m.at(r, c)) &&
          (bestRow < 0 || (lowest ? m.at(r, c) < m.at(bestRow, bestColumn) : m.at(r, c) > m.at(bestRow, bestColumn))))
        bestRow = r, bestColumn = c;
  if (problem.isEmpty() && bestRow >= 0) selectCell(bestRow, bestColumn);
}

QString HeatmapView::kurtosisCorrelationText(AnalysisQuantity quantity, const std::vector<TensorValue>& values) const {
  const QVariantList key = key_->currentData().toList();
  if (!store_ || !snapshot_ || key.size() != 2 || values.empty()) return {};
  // The model's weight kurtosis: weights need no calibration, and the unquantized model's are the
  // ones the question is about ("are heavy-tailed tensors the sensitive ones?").
  const int64_t model = key[0].toLongLong();
  std::optional<StatsKey> weights;
  for (const auto& k : snapshot_->statsKeys)
    if (k.modelId == model && k.calibration.empty() && (!weights || isBaselineQuant(k.quantName) || k.quantName.empty()))
      weights = k;
  const QString what = quantity == AnalysisQuantity::Sensitivity ? "sensitivity (KL)" : q(analysisQuantityName(quantity));
  if (!weights) return "No weight statistics of this model are stored, so " + what +
                       " cannot be compared with the weight kurtosis (a sweep or quantscope-cli stats stores them).";
  StatsQuery query;
  query.modelId = model;
  query.quantName = weights->quantName;
  query.calibration = "";
  query.kind = "weight";
  RankCorrelation r;
  try {
    r = kurtosisCorrelation(values, store_->layerStats(query));
  } catch (const Error& e) {
    return "Cannot read the weight statistics: " + q(e.what()).toHtmlEscaped();
  }
  if (!r.rho)
    return QString("Spearman rank correlation of %1 with weight kurtosis: not defined (%2 tensors with both values; it "
                   "needs 3 and values that are not all equal).").arg(what).arg(r.pairs);
  return QString::fromUtf8("Spearman rank correlation of %1 with weight kurtosis over %2 tensors: <b>ρ = %3</b>%4")
      .arg(what)
      .arg(r.pairs)
      .arg(*r.rho, 0, 'f', 2)
      .arg(std::abs(*r.rho) < 0.3 ? " (little relation: kurtosis does not predict it here)"
           : (*r.rho > 0) == (quantity == AnalysisQuantity::Sensitivity)
               ? " (heavy-tailed tensors tend to suffer more)"
               : " (heavy-tailed tensors tend to suffer less)");
}

void HeatmapView::selectAnalysisCell(int row, int column) {
  const HeatmapMatrix& m = tensorMap_->matrix();
  const int layer = m.rowLayers[row];
  const std::string& role = m.columnTensors[column].first;
  QString html = QString("<b>%1 · %2</b><table>").arg(q(m.rowLabels[row]), q(role));
  auto line = [&](const QString& k, const QString& v) { html += "<tr><td>" + k + "</td><td align='right'>" + v + "</td></tr>"; };
  auto expertLine = [&](int expert) {
    if (expert >= 0) html += QString("<tr><td colspan='2'><i>expert %1</i></td></tr>").arg(expert);
  };
  bool found = false;
  for (const auto& r : sensitivity_)
    if (r.layer == layer && r.role == role) {
      found = true;
      expertLine(r.expert);
      line("KL divergence (nats)", number(r.klDivergence));
      line("tokens", QString::number(r.tokens));
    }
  auto optional = [](const std::optional<double>& v) { return v ? number(*v) : QString("—"); };
  for (const auto& r : quantErrors_)
    if (r.layer == layer && r.role == role) {
      found = true;
      expertLine(r.expert);
      line("weight relative error", optional(r.weightRelError));
      line("weight SQNR (dB)", optional(r.weightSqnrDb));
      line("output relative error", optional(r.outputRelError));
      line("output SQNR (dB)", optional(r.outputSqnrDb));
    }
  html += "</table>";
  if (!found) html = QString("%1 · %2: not measured").arg(q(m.rowLabels[row]), q(role));
  else html += "<p>" + key_->currentText().toHtmlEscaped() + " applied to this tensor only" +
               (calibration_->currentData().toString().isEmpty() ? QString() : ", on " + calibration_->currentText().toHtmlEscaped()) +
               "</p>";
  details_->setText(html);
  channelMap_->setMatrix({});
}

void HeatmapView::selectCell(int row, int column) {
  const HeatmapMatrix& m = tensorMap_->matrix();
  if (row < 0 || column < 0 || row >= m.rows() || column >= m.columns()) return;
  tensorMap_->setSelectedCell(row, column);
  if (analysisQuantity()) {
    selectAnalysisCell(row, column);
    return;
  }
  const int layer = m.rowLayers[row];
  const auto& [role, kind] = m.columnTensors[column];
  // The cell's record: the column's expert in the layer x expert view; else the expert whose value
  // the cell shows (the maximum), or the one record of a dense tensor.
  const int expert = m.columnExperts.empty() ? -2 : m.columnExperts[column];
  const auto metric = static_cast<StatMetric>(metric_->currentData().toInt());
  const LayerStatRecord* record = nullptr;
  for (const auto& s : stats_) {
    if (s.layer != layer || s.role != role || s.kind != kind) continue;
    if (expert >= -1 && s.expert != expert) continue;
    if (!record || statValue(s, metric) > statValue(*record, metric)) record = &s;
  }
  if (!record) {
    details_->setText(QString("%1 · %2: not measured").arg(q(m.rowLabels[row]), q(m.columnLabels[column])));
    channelMap_->setMatrix({});
    return;
  }
  QString html = QString("<b>%1 · %2 %3%4</b><table>")
                     .arg(q(m.rowLabels[row]), q(kind), q(role),
                          record->expert >= 0 ? QString(" · expert %1").arg(record->expert) : QString());
  auto line = [&](const QString& k, const QString& v) { html += "<tr><td>" + k + "</td><td align='right'>" + v + "</td></tr>"; };
  line("elements", QString::number(record->count));
  line("mean", number(record->mean));
  line("std", number(record->std));
  line("absmax", number(record->absmax));
  line("kurtosis (Pearson)", number(record->kurtosis));
  line("outlier ratio", record->outlierRatio ? number(*record->outlierRatio) : QString("—"));
  html += "</table>";
  if (!record->key.calibration.empty()) html += "<p>calibration: " + q(record->key.calibration).toHtmlEscaped() + "</p>";
  if (record->runId) html += QString("<p>from run %1</p>").arg(*record->runId);
  details_->setText(html);

  try {
    StatsQuery query;
    query.modelId = record->key.modelId;
    query.quantName = record->key.quantName;
    query.calibration = record->key.calibration;
    query.role = role;
    query.kind = kind;
    query.expert = record->expert;
    HeatmapMatrix channels = layerChannelMatrix(store_->channelProfiles(query));
    if (channels.empty()) channels.title = "No per-channel profile stored for " + kind + " " + role;
    channelMap_->setMatrix(channels);
    channelMap_->setLogScale(log_->isChecked());
  } catch (const Error& e) {
    details_->setText(html + "<p style='color:#b00'>" + q(e.what()).toHtmlEscaped() + "</p>");
  }
}

QString HeatmapView::detailsText() const { return details_->text(); }

void HeatmapView::exportTensorMap(const QString& file, const FigureSize& size) const {
  exportHeatmap(tensorMap_->matrix(), tensorMap_->logScale(), file, size);
}

void HeatmapView::exportChannelMap(const QString& file, const FigureSize& size) const {
  exportHeatmap(channelMap_->matrix(), channelMap_->logScale(), file, size);
}

}  // namespace qs

#include "moc_heatmap_view.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
