#include "ui/heatmap_table_model.h"

namespace qs {

HeatmapTableModel::HeatmapTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void HeatmapTableModel::setMatrix(HeatmapMatrix matrix) {
  beginResetModel();
  matrix_ = std::move(matrix);
  endResetModel();
}

int HeatmapTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : matrix_.rows(); }
int HeatmapTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : matrix_.columns(); }

QVariant HeatmapTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const double v = matrix_.at(index.row(), index.column());
  if (role == Qt::UserRole) return v;
  if (role == Qt::DisplayRole) return std::isfinite(v) ? QString::number(v, 'g', 5) : QString();
  return {};
}

QVariant HeatmapTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  const auto& labels = orientation == Qt::Horizontal ? matrix_.columnLabels : matrix_.rowLabels;
  return section >= 0 && section < static_cast<int>(labels.size()) ? QString::fromStdString(labels[section]) : QVariant();
}

}  // namespace qs

#include "moc_heatmap_table_model.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
