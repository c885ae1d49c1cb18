#include "ui/preferences_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>

#include "core/base/runtime.h"
#include "ui/app_settings.h"

namespace qs {

PreferencesDialog::PreferencesDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle("Preferences");
  auto* form = new QFormLayout(this);
  device_ = new QComboBox(this);
  for (const auto& d : availableDevices())
    device_->addItem(QString::fromStdString(d.name + " — " + d.description), QString::fromStdString(d.name));
  device_->setCurrentIndex(std::max(0, device_->findData(AppSettings::device())));
  if (!cudaAvailable()) device_->setToolTip("This build's libtorch cannot use a GPU: CPU only");
  threads_ = new QSpinBox(this);
  threads_->setRange(0, 1024);
  threads_->setSpecialValueText(QString("all cores (%1)").arg(QThread::idealThreadCount()));
  threads_->setValue(AppSettings::threads());
  dataDir_ = new QLineEdit(AppSettings::dataDir(), this);
  dataDir_->setPlaceholderText("bundled resources/data");
  tasksDir_ = new QLineEdit(AppSettings::tasksDir(), this);
  tasksDir_->setPlaceholderText("bundled resources/tasks");
  dpi_ = new QSpinBox(this);
  dpi_->setRange(72, 2400);
  dpi_->setSuffix(" dpi");
  dpi_->setValue(AppSettings::exportDpi());
  form->addRow("Device", device_);
  form->addRow("Compute threads", threads_);
  form->addRow("Data directory", directoryRow(dataDir_, "Data directory"));
  form->addRow("Tasks directory", directoryRow(tasksDir_, "Tasks directory"));
  form->addRow("PNG export resolution", dpi_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &PreferencesDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &PreferencesDialog::reject);
  form->addRow(buttons);
}

QWidget* PreferencesDialog::directoryRow(QLineEdit* edit, const QString& caption) {
  auto* row = new QWidget(this);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit, 1);
  auto* browse = new QPushButton("Browse…", row);
  connect(browse, &QPushButton::clicked, this, [this, edit, caption] {
    const QString dir = QFileDialog::getExistingDirectory(this, caption, edit->text());
    if (!dir.isEmpty()) edit->setText(dir);
  });
  layout->addWidget(browse);
  return row;
}

void PreferencesDialog::accept() {
  AppSettings::setDevice(device_->currentData().toString());
  AppSettings::setThreads(threads_->value());
  AppSettings::setDataDir(dataDir_->text().trimmed());
  AppSettings::setTasksDir(tasksDir_->text().trimmed());
  AppSettings::setExportDpi(dpi_->value());
  QDialog::accept();
}

}  // namespace qs

#include "moc_preferences_dialog.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
