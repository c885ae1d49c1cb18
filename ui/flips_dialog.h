#pragma once
// "Compare with FP16…": the items a quantized run gets wrong that its FP16 run got right (lost) and
// the reverse (gained), each with its question, choices (gold marked) and both runs' answers, under
// a line with the counts and McNemar's p. The items and task data are read off the GUI thread.
#include <QDialog>
#include <filesystem>

#include "ui/flips_report.h"

class QComboBox;
class QLabel;
class QTableWidget;
class QTextBrowser;

namespace qs {

class FlipsDialog : public QDialog {
  Q_OBJECT
 public:
  // tasksDir / dataDir: "" = bundled (dataDir serves runs that recorded no data folder).
  FlipsDialog(const std::filesystem::path& database, qint64 runId, const std::filesystem::path& tasksDir,
              const std::filesystem::path& dataDir, QWidget* parent = nullptr);

  bool loading() const { return loading_; }
  const FlipsReport& report() const { return report_; }
  QString summaryText() const;
  QTableWidget* table() const { return table_; }
  // 0: all flips, 1: lost only, 2: gained only.
  QComboBox* filterBox() const { return filter_; }
  QString detailsHtml() const;

 public Q_SLOTS:
  void showFlip(int row);

 private:
  void setReport(FlipsReport report, const QString& error);
  void fillTable();

  FlipsReport report_;
  bool loading_ = true;
  QLabel* summary_ = nullptr;
  QComboBox* filter_ = nullptr;
  QTableWidget* table_ = nullptr;
  QTextBrowser* details_ = nullptr;
};

}  // namespace qs
