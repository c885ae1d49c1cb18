#pragma once
// Preferences: compute device (CUDA offered only when the linked libtorch can use it), threads,
// data and tasks directories, export DPI. Stored in QSettings through AppSettings on accept.
#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace qs {

class PreferencesDialog : public QDialog {
  Q_OBJECT
 public:
  explicit PreferencesDialog(QWidget* parent = nullptr);
  QComboBox* deviceBox() const { return device_; }
  QSpinBox* threadsBox() const { return threads_; }

 public Q_SLOTS:
  void accept() override;

 private:
  QWidget* directoryRow(QLineEdit* edit, const QString& caption);

  QComboBox* device_ = nullptr;
  QSpinBox* threads_ = nullptr;
  QLineEdit* dataDir_ = nullptr;
  QLineEdit* tasksDir_ = nullptr;
  QSpinBox* dpi_ = nullptr;
};

}  // namespace qs
