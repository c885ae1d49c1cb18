#include "ui/results_table_model.h"

#include <QApplication>
#include <QBrush>
#include <QColor>
#include <QStyle>
#include <cmath>

#include "ui/curve_data.h"
#include "ui/experiment_snapshot.h"
#include "ui/protocol_diff.h"
#include "ui/quant_name.h"

namespace qs {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QIcon warningIcon() { return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning); }

}  // namespace

QString protocolWarningText(const std::map<std::string, std::vector<std::string>>& warnings, const std::string& task) {
  auto it = warnings.find(task);
  if (it == warnings.end()) return {};
  QString text = QString::fromUtf8("\u26a0 The runs of %1 differ in protocol, so their numbers are not strictly comparable:")
                     .arg(q(task));
  for (const auto& line : it->second) text += QString::fromUtf8("\n• ") + q(line);
  return text;
}

ResultsTableModel::ResultsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultsTableModel::setSnapshot(std::shared_ptr<const ExperimentSnapshot> snapshot) {
  beginResetModel();
  snapshot_ = std::move(snapshot);
  rows_.clear();
  protocolWarnings_ = snapshot_ ? protocolDifferencesByTask(*snapshot_) : decltype(protocolWarnings_){};
  if (snapshot_) {
    for (size_t r = 0; r < snapshot_->runs.size(); ++r) {
      const RunEntry& e = snapshot_->runs[r];
      if (e.metrics.empty()) {
        rows_.push_back({r, -1, kNaN});
        continue;
      }
      const RunEntry* base = snapshot_->baseline(e.run.modelId, taskLabel(e.run));
      for (size_t m = 0; m < e.metrics.size(); ++m) {
        double delta = kNaN;
        const MetricRecord* b = base ? base->metric(e.metrics[m].name) : nullptr;
        if (b && b->value != 0 && base != &e) delta = relativeChange(e.metrics[m].value, b->value, b->higherIsBetter);
        rows_.push_back({r, static_cast<int>(m), delta});
      }
    }
  }
  endResetModel();
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int ResultsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  static const char* names[] = {"Run", "Model", "Config", "Type", "Task", "Metric", "Value",
                                "± stderr", "Δ vs FP16 (%)", "n", "Status", "Device", "Wall (s)"};
  static const char* tips[] = {"Run id in the database", "Model folder", "Quantization config (canonical name)",
                               "Tensor types quantized: W, WA, KV, mixed or the FP16 baseline", "Task",
                               "Metric name", "Metric value", "Standard error of the value",
                               "Percent change against the same model's unquantized run on the task, signed so that negative is worse",
                               "Examples behind the value", "Run status", "Device the run used",
                               "Wall-clock seconds of the run"};
  if (section < 0 || section >= ColumnCount) return {};
  if (role == Qt::DisplayRole) return QString::fromUtf8(names[section]);
  const bool warn = section == Task && !protocolWarnings_.empty();
  if (role == Qt::DecorationRole && warn) return warningIcon();
  if (role == Qt::ToolTipRole) {
    QString tip = QString::fromUtf8(tips[section]);
    if (warn)
      for (const auto& [task, lines] : protocolWarnings_) tip += "\n\n" + protocolWarningText(protocolWarnings_, task);
    return tip;
  }
  return {};
}

QVariant ResultsTableModel::cell(const Row& row, int column, bool raw) const {
  const RunEntry& e = snapshot_->runs[row.run];
  const RunRecord& run = e.run;
  const MetricRecord* m = row.metric >= 0 ? &e.metrics[row.metric] : nullptr;
  auto number = [&](double v, int precision) -> QVariant {
    if (!std::isfinite(v)) return raw ? QVariant(kNaN) : QVariant(QString());
    return raw ? QVariant(v) : QVariant(QString::number(v, 'f', precision));
  };
  auto significant = [&](double v) -> QVariant { return raw ? QVariant(v) : QVariant(QString::number(v, 'g', 6)); };
  switch (column) {
    case RunId: return raw ? QVariant::fromValue<qlonglong>(run.id) : QVariant(QString::number(run.id));
    case Model: return q(snapshot_->modelName(run.modelId));
    case Config: return q(run.quantName);
    case Type: {
      auto parts = parseQuantName(run.quantName);
      return parts ? q(quantFamilyName(parts->family)) : QString("?");
    }
    case Task: return q(taskLabel(run));
    case Metric: return m ? q(m->name) : QString();
    case Value: return m ? significant(m->value) : QVariant();
    case StdError: return m && m->stdError ? significant(*m->stdError) : QVariant();
    case Delta: return number(row.delta, 2);
    case Samples: return m && m->samples ? QVariant::fromValue<qlonglong>(*m->samples) : QVariant();
    case Status: return q(std::string(runStatusName(run.status)));
    case Device: return q(run.device);
    case Wall: return number(run.wallSeconds, 1);
  }
  return {};
}

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || !snapshot_ || index.row() >= int(rows_.size())) return {};
  const Row& row = rows_[index.row()];
  if (role == Qt::DisplayRole) return cell(row, index.column(), false);
  if (role == kSortRole) return cell(row, index.column(), true);
  if (role == kRunIdRole) return QVariant::fromValue<qlonglong>(snapshot_->runs[row.run].run.id);
  if (role == Qt::TextAlignmentRole && (index.column() == Value || index.column() == StdError || index.column() == Delta ||
                                        index.column() == Samples || index.column() == Wall || index.column() == RunId))
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ForegroundRole && index.column() == Status) {
    const RunStatus s = snapshot_->runs[row.run].run.status;
    if (s == RunStatus::Failed || s == RunStatus::Interrupted) return QBrush(QColor(180, 0, 0));
  }
  if (index.column() == Task && (role == Qt::DecorationRole || role == Qt::ToolTipRole)) {
    const QString warning = protocolWarningText(protocolWarnings_, taskLabel(snapshot_->runs[row.run].run));
    if (!warning.isEmpty()) return role == Qt::DecorationRole ? QVariant(warningIcon()) : QVariant(warning);
  }
  if (role == Qt::ToolTipRole && index.column() == Status) {
    const auto& error = snapshot_->runs[row.run].run.errorText;
    if (!error.empty()) return q(error);
  }
  return {};
}

qint64 ResultsTableModel::runIdAt(int row) const {
  return snapshot_ && row >= 0 && row < int(rows_.size()) ? snapshot_->runs[rows_[row].run].run.id : -1;
}

}  // namespace qs

#include "moc_results_table_model.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
