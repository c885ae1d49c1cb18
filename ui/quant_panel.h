#pragma once
// The quantization panel: W / A / KV bit-width checkboxes, grouping, symmetry, method and the
// paper's presets; shows the configurations they produce. A view of a QuantGrid.
#include <QWidget>
#include <map>

#include "ui/quant_grid.h"

class QAbstractButton;
class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;
class QStringListModel;

namespace qs {

enum class TensorType { Weight, Activation, Kv };

class QuantPanel : public QWidget {
  Q_OBJECT
 public:
  explicit QuantPanel(QWidget* parent = nullptr);

  QuantGrid grid() const;
  void setGrid(const QuantGrid& grid);
  QStringList configNames() const;
  // The list the panel shows (one canonical name per row).
  QStringListModel* configModel() const { return configModel_; }

  QCheckBox* bitsBox(TensorType type, int bits) const;
  QAbstractButton* presetButton(const QString& preset) const;
  QComboBox* granularityBox() const { return granularity_; }
  QSpinBox* groupSizeBox() const { return groupSize_; }
  QComboBox* symmetryBox() const { return symmetry_; }
  QComboBox* activationRangeBox() const { return activationRange_; }
  // The check box of a method ("rtn", "awq", "smoothquant", "gptq", "quarot"); nullptr if unknown.
  QCheckBox* methodBox(const QString& method) const;

  static const std::vector<int>& bitChoices();  // 2, 3, 4, 8, 16

  // Disables (and clears) the KV bit-widths and presets with `reason` shown beneath them, for a
  // selection with a model that has no KV cache (Mamba); enabled again with available = true.
  void setKvAvailable(bool available, const QString& reason = {});
  bool kvAvailable() const { return kvAvailable_; }
  QLabel* kvNote() const { return kvNote_; }

 public Q_SLOTS:
  void selectPaperGrid();
  void clearSelection();

 Q_SIGNALS:
  void selectionChanged();

 private:
  QWidget* makeBitsGroup();
  QWidget* makePresetGroup();
  QWidget* makeOptionsGroup();
  void onChanged();

  std::map<std::pair<TensorType, int>, QCheckBox*> bits_;
  std::map<QString, QAbstractButton*> presets_;
  QComboBox* granularity_ = nullptr;
  QSpinBox* groupSize_ = nullptr;
  QComboBox* symmetry_ = nullptr;
  QComboBox* activationRange_ = nullptr;
  std::map<QString, QCheckBox*> methods_;
  QLabel* summary_ = nullptr;
  QLabel* kvNote_ = nullptr;
  bool kvAvailable_ = true;
  QStringListModel* configModel_ = nullptr;
  QStringList names_;
  bool updating_ = false;  // blocks the feedback loop while setGrid() writes the widgets
};

}  // namespace qs
