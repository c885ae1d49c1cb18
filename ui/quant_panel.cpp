#include "ui/quant_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QSpinBox>
#include <QStringListModel>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/base/error.h"

namespace qs {
namespace {

const char* typeLabel(TensorType t) {
  switch (t) {
    case TensorType::Weight: return "W (weights)";
    case TensorType::Activation: return "A (activations)";
    case TensorType::Kv: return "KV (cache)";
  }
  return "";
}

}  // namespace

const std::vector<int>& QuantPanel::bitChoices() {
  static const std::vector<int> bits{2, 3, 4, 8, 16};
  return bits;
}

QuantPanel::QuantPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(makeBitsGroup());
  layout->addWidget(makePresetGroup());
  layout->addWidget(makeOptionsGroup());
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  layout->addWidget(summary_);
  configModel_ = new QStringListModel(this);
  auto* list = new QListView(this);
  list->setModel(configModel_);
  list->setEditTriggers(QAbstractItemView::NoEditTriggers);
  list->setToolTip("The configurations the sweep will run on every model and task");
  list->setMinimumHeight(40);
  layout->addWidget(list, 1);
  onChanged();
}

QWidget* QuantPanel::makeBitsGroup() {
  auto* box = new QGroupBox("Bit-widths (cross product; 16 = not quantized)", this);
  auto* grid = new QGridLayout(box);
  const auto& choices = bitChoices();
  for (size_t c = 0; c < choices.size(); ++c) grid->addWidget(new QLabel(QString::number(choices[c])), 0, int(c) + 1);
  int row = 1;
  for (TensorType t : {TensorType::Weight, TensorType::Activation, TensorType::Kv}) {
    grid->addWidget(new QLabel(typeLabel(t)), row, 0);
    for (size_t c = 0; c < choices.size(); ++c) {
      auto* check = new QCheckBox(box);
      check->setToolTip(QString("%1 at %2 bits").arg(typeLabel(t)).arg(choices[c]));
      connect(check, &QCheckBox::toggled, this, &QuantPanel::onChanged);
      bits_[{t, choices[c]}] = check;
      grid->addWidget(check, row, int(c) + 1);
    }
    ++row;
  }
  kvNote_ = new QLabel(box);
  kvNote_->setWordWrap(true);
  kvNote_->setStyleSheet("color: #8a5a00");
  kvNote_->hide();
  grid->addWidget(kvNote_, row, 0, 1, int(choices.size()) + 1);
  return box;
}

void QuantPanel::setKvAvailable(bool available, const QString& reason) {
  kvAvailable_ = available;
  for (auto& [key, check] : bits_) {
    if (key.first != TensorType::Kv || key.second == 16) continue;
    if (!available) check->setChecked(false);
    check->setEnabled(available);
  }
  for (auto& [name, button] : presets_)
    if (name.startsWith("KV")) {
      if (!available) button->setChecked(false);
      button->setEnabled(available);
    }
  kvNote_->setText(reason);
  kvNote_->setVisible(!available);
  onChanged();
}

QWidget* QuantPanel::makePresetGroup() {
  auto* box = new QGroupBox("Presets (the paper's grid)", this);
  auto* grid = new QGridLayout(box);
  int row = 0, col = 0;
  std::string lastFamily;
  for (const auto& preset : paperPresets()) {
    // One row per family: weight-only, weight-activation, KV cache.
    std::string family = preset.rfind("KV", 0) == 0 ? "kv" : preset.find('A') != std::string::npos ? "wa" : "w";
    if (!lastFamily.empty() && family != lastFamily) ++row, col = 0;
    lastFamily = family;
    auto* button = new QToolButton(box);
    button->setText(QString::fromStdString(preset));
    button->setCheckable(true);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    connect(button, &QToolButton::toggled, this, &QuantPanel::onChanged);
    presets_[QString::fromStdString(preset)] = button;
    grid->addWidget(button, row, col++);
  }
  auto* all = new QPushButton("Paper grid", box);
  all->setToolTip("Check every preset: W8 W4 W3 W2, W8A8 W4A8 W4A4, KV8 KV4 KV3 KV2");
  connect(all, &QPushButton::clicked, this, &QuantPanel::selectPaperGrid);
  auto* clear = new QPushButton("Clear", box);
  connect(clear, &QPushButton::clicked, this, &QuantPanel::clearSelection);
  grid->addWidget(all, row + 1, 0, 1, 2);
  grid->addWidget(clear, row + 1, 2, 1, 2);
  return box;
}

QWidget* QuantPanel::makeOptionsGroup() {
  auto* box = new QGroupBox("Options", this);
  auto* form = new QFormLayout(box);
  granularity_ = new QComboBox(box);
  granularity_->addItem("per group", "per-group");
  granularity_->addItem("per channel", "per-channel");
  granularity_->addItem("per tensor", "per-tensor");
  granularity_->setToolTip("Grouping of weights and KV cache (activations are quantized per token)");
  groupSize_ = new QSpinBox(box);
  groupSize_->setRange(2, 8192);
  groupSize_->setValue(128);
  groupSize_->setToolTip("Elements per group along the input dimension; must divide it");
  symmetry_ = new QComboBox(box);
  symmetry_->addItem("asymmetric (zero point)", false);
  symmetry_->addItem("symmetric", true);
  symmetry_->setToolTip("Range of weights and KV cache");
  activationRange_ = new QComboBox(box);
  activationRange_->addItem("per token, symmetric (paper's text)", true);
  activationRange_->addItem("per token, asymmetric (paper's code)", false);
  // Methods are a dimension of the grid: every checked one is applied to each configuration it
  // can serve, so RTN and the methods land side by side in the curves.
  auto* methodRow = new QWidget(box);
  auto* methodLayout = new QGridLayout(methodRow);
  methodLayout->setContentsMargins(0, 0, 0, 0);
  const std::pair<const char*, const char*> methodChoices[] = {{"rtn", "RTN"},
                                                               {"awq", "AWQ (W)"},
                                                               {"gptq", "GPTQ (W)"},
                                                               {"smoothquant", "SmoothQuant (A)"},
                                                               {"quarot", "QuaRot (W/A)"}};
  int methodIndex = 0;
  for (const auto& [key, label] : methodChoices) {
    auto* check = new QCheckBox(label, methodRow);
    check->setChecked(QString(key) == "rtn");
    methods_[key] = check;
    methodLayout->addWidget(check, methodIndex / 2, methodIndex % 2);
    ++methodIndex;
    connect(check, &QCheckBox::toggled, this, &QuantPanel::onChanged);
  }
  methodRow->setToolTip("Each checked method is applied to every configuration it can serve (AWQ and GPTQ need "
                        "quantized weights, SmoothQuant quantized activations); RTN is plain round to nearest");
  form->addRow("Granularity", granularity_);
  form->addRow("Group size", groupSize_);
  form->addRow("W / KV range", symmetry_);
  form->addRow("Activations", activationRange_);
  form->addRow("Methods", methodRow);
  connect(granularity_, &QComboBox::currentIndexChanged, this, &QuantPanel::onChanged);
  connect(groupSize_, &QSpinBox::valueChanged, this, &QuantPanel::onChanged);
  connect(symmetry_, &QComboBox::currentIndexChanged, this, &QuantPanel::onChanged);
  connect(activationRange_, &QComboBox::currentIndexChanged, this, &QuantPanel::onChanged);
  return box;
}

QuantGrid QuantPanel::grid() const {
  QuantGrid g;
  for (const auto& [key, check] : bits_) {
    if (!check->isChecked()) continue;
    auto& set = key.first == TensorType::Weight ? g.weightBits : key.first == TensorType::Activation ? g.activationBits : g.kvBits;
    set.insert(key.second);
  }
  for (const auto& [name, button] : presets_)
    if (button->isChecked()) g.presets.insert(name.toStdString());
  g.granularity = granularity_->currentData().toString().toStdString();
  g.groupSize = groupSize_->value();
  g.symmetric = symmetry_->currentData().toBool();
  g.activationSymmetric = activationRange_->currentData().toBool();
  g.methods.clear();
  for (const auto& [key, check] : methods_)
    if (check->isChecked()) g.methods.insert(key.toStdString());
  return g;
}

void QuantPanel::setGrid(const QuantGrid& g) {
  updating_ = true;
  for (const auto& [key, check] : bits_) {
    const auto& set = key.first == TensorType::Weight ? g.weightBits : key.first == TensorType::Activation ? g.activationBits : g.kvBits;
    check->setChecked(set.count(key.second) > 0);
  }
  for (const auto& [name, button] : presets_) button->setChecked(g.presets.count(name.toStdString()) > 0);
  granularity_->setCurrentIndex(std::max(0, granularity_->findData(QString::fromStdString(g.granularity))));
  groupSize_->setValue(g.groupSize);
  symmetry_->setCurrentIndex(g.symmetric ? 1 : 0);
  activationRange_->setCurrentIndex(g.activationSymmetric ? 0 : 1);
  for (const auto& [key, check] : methods_)
    check->setChecked(g.methods.count(key.toStdString()) > 0 || (g.methods.empty() && key == "rtn"));
  updating_ = false;
  onChanged();
}

QStringList QuantPanel::configNames() const { return names_; }

QCheckBox* QuantPanel::methodBox(const QString& method) const {
  auto it = methods_.find(method);
  return it == methods_.end() ? nullptr : it->second;
}

QCheckBox* QuantPanel::bitsBox(TensorType type, int bits) const {
  auto it = bits_.find({type, bits});
  return it == bits_.end() ? nullptr : it->second;
}

QAbstractButton* QuantPanel::presetButton(const QString& preset) const {
  auto it = presets_.find(preset);
  return it == presets_.end() ? nullptr : it->second;
}

void QuantPanel::selectPaperGrid() {
  QuantGrid g = grid();
  g.weightBits.clear();
  g.activationBits.clear();
  g.kvBits.clear();
  for (const auto& p : paperPresets()) g.presets.insert(p);
  setGrid(g);
}

void QuantPanel::clearSelection() {
  QuantGrid g = grid();
  g.weightBits.clear();
  g.activationBits.clear();
  g.kvBits.clear();
  g.presets.clear();
  setGrid(g);
}

void QuantPanel::onChanged() {
  if (updating_) return;
  groupSize_->setEnabled(granularity_->currentData().toString() == "per-group");
  names_.clear();
  QString problem;
  std::vector<std::string> leftOut;
  try {
    const QuantGrid g = grid();
    for (const auto& n : g.configNames()) names_ << QString::fromStdString(n);
    leftOut = g.leftOut();
  } catch (const Error& e) {
    problem = QString::fromStdString(e.what());
  }
  configModel_->setStringList(names_);
  QString text = problem.isEmpty() ? QString("<b>%1</b> configuration%2, plus the unquantized baseline of each model")
                                         .arg(names_.size())
                                         .arg(names_.size() == 1 ? "" : "s")
                                   : "<span style='color:#b00'>" + problem.toHtmlEscaped() + "</span>";
  if (!leftOut.empty()) {
    QStringList lines;
    for (const auto& l : leftOut) lines << QString::fromStdString(l);
    text += QString("<br>%1 method combination%2 left out").arg(leftOut.size()).arg(leftOut.size() == 1 ? "" : "s");
    summary_->setToolTip(lines.join("\n"));
  } else {
    summary_->setToolTip({});
  }
  summary_->setText(text);
  Q_EMIT selectionChanged();
}

}  // namespace qs

#include "moc_quant_panel.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
