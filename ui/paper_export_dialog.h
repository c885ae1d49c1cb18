#pragma once
// "Export paper table…": the paper-layout table (tasks/report/results_table) with the reader's
// choice of tasks, metrics and configurations, absolute or relative to FP16, ± stderr, the best
// value of each column in bold, and for LaTeX a caption and label; a live preview of the text;
// CSV, LaTeX (booktabs) or Markdown. The same choice applies to every format.
#include <QDialog>
#include <memory>

#include "tasks/report/results_table.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace qs {

struct ExperimentSnapshot;

class PaperExportDialog : public QDialog {
  Q_OBJECT
 public:
  // `folder`: where the save dialog opens.
  PaperExportDialog(std::shared_ptr<const ExperimentSnapshot> snapshot, QString folder, QWidget* parent = nullptr);

  // What the controls select, and the text it renders to (the preview's content).
  TableOptions options() const;
  TableFormat format() const;
  QString text() const;

  // For tests and scripted use: check only these entries of a list ("tasks", "metrics", "configs").
  void selectOnly(const QString& list, const QStringList& entries);
  void setFormat(TableFormat format);
  void setCaption(const QString& caption, const QString& label);
  void setFlags(bool relative, bool stdError, bool boldBest);
  // Writes text() to file; throws qs::Error naming the file.
  void saveTo(const QString& file) const;
  QString savedFile() const { return saved_; }

 private:
  void refresh();
  void save();
  QListWidget* list(const QString& name) const;

  std::shared_ptr<const ExperimentSnapshot> snapshot_;
  QString folder_;
  QString saved_;
  QListWidget* tasks_ = nullptr;
  QListWidget* metrics_ = nullptr;
  QListWidget* configs_ = nullptr;
  QComboBox* format_ = nullptr;
  QCheckBox* relative_ = nullptr;
  QCheckBox* stdError_ = nullptr;
  QCheckBox* boldBest_ = nullptr;
  QLineEdit* caption_ = nullptr;
  QLineEdit* label_ = nullptr;
  QPlainTextEdit* preview_ = nullptr;
};

}  // namespace qs
