#pragma once
// A HeatmapMatrix as a table: rows = layers, columns = tensors (or channels); DisplayRole is the
// value formatted, Qt::UserRole the double (NaN = not measured). For copying, table export and
// the tests.
#include <QAbstractTableModel>

#include "ui/heatmap_data.h"

namespace qs {

class HeatmapTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  explicit HeatmapTableModel(QObject* parent = nullptr);
  void setMatrix(HeatmapMatrix matrix);
  const HeatmapMatrix& matrix() const { return matrix_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  HeatmapMatrix matrix_;
};

}  // namespace qs
