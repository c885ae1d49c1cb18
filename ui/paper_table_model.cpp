#include "ui/paper_table_model.h"

#include <QApplication>
#include <QBrush>
#include <QStyle>
#include <QColor>
#include <QFont>

#include "ui/experiment_snapshot.h"
#include "ui/protocol_diff.h"
#include "ui/results_table_model.h"

namespace qs {

std::vector<ResultPoint> resultPoints(const ExperimentSnapshot& snapshot) {
  std::vector<ResultPoint> points;
  for (const auto& e : snapshot.runs) {
    if (e.run.status != RunStatus::Done) continue;
    for (const auto& m : e.metrics)
      points.push_back({snapshot.modelName(e.run.modelId), e.run.quantName, taskLabel(e.run), m.name, m.value,
                        m.stdError, m.higherIsBetter});
  }
  return points;
}

PaperTableModel::PaperTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void PaperTableModel::setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  protocolWarnings_ = snapshot_ ? protocolDifferencesByTask(*snapshot_) : decltype(protocolWarnings_){};
  rebuild();
}

void PaperTableModel::setRelative(bool relative) {
  relative_ = relative;
  rebuild();
}

void PaperTableModel::rebuild() {
  beginResetModel();
  TableOptions options;
  options.relative = relative_;
  options.withStdError = true;
  table_ = snapshot_ ? buildResultsTable(resultPoints(*snapshot_), options) : ResultsTable{};
  endResetModel();
}

int PaperTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(table_.rows.size()); }
int PaperTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 2 + int(table_.columns.size());
}

QVariant PaperTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (section < 2) return role == Qt::DisplayRole ? QVariant(section == 0 ? "Model" : "Config") : QVariant();
  const TableColumn& c = table_.columns[section - 2];
  if (role == Qt::DisplayRole)
    return QString::fromStdString(c.name()) + (c.higherIsBetter ? QString::fromUtf8(" ↑") : QString::fromUtf8(" ↓"));
  const QString warning = protocolWarningText(protocolWarnings_, c.task);
  if (role == Qt::DecorationRole && !warning.isEmpty())
    return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
  if (role == Qt::ToolTipRole) {
    QStringList tip;
    if (table_.relative) tip << "Percent change against FP16, negative = worse (the baseline row stays absolute)";
    if (!warning.isEmpty()) tip << warning;
    return tip.isEmpty() ? QVariant() : QVariant(tip.join("\n\n"));
  }
  return {};
}

QVariant PaperTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(table_.rows.size())) return {};
  const TableRow& row = table_.rows[index.row()];
  if (role == Qt::FontRole && row.baseline) {
    QFont f;
    f.setBold(true);
    return f;
  }
  const bool asText = role == Qt::DisplayRole || role == Qt::UserRole;  // UserRole: the sort value
  if (index.column() == 0) return asText ? QString::fromStdString(row.model) : QVariant();
  if (index.column() == 1) return asText ? QString::fromStdString(row.quant) : QVariant();
  const auto& cell = row.cells[index.column() - 2];
  if (!cell) return {};
  if (role == Qt::UserRole) return cell->value;
  if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ForegroundRole && cell->relative && cell->value < -2.0)
    return QBrush(QColor(170, 0, 0));  // beyond the paper's "< 2% loss" criterion
  if (role != Qt::DisplayRole) return {};
  const int decimals = cell->relative ? table_.relativeDecimals : table_.decimals;
  QString text = QString::number(cell->value, 'f', decimals);
  if (cell->relative && cell->value > 0) text.prepend('+');
  if (cell->stdError) text += QString::fromUtf8(" ± ") + QString::number(*cell->stdError, 'f', decimals);
  return text;
}

}  // namespace qs

#include "moc_paper_table_model.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
