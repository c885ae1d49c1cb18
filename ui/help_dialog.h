#pragma once
// Help > QuantScope help: what the workbench does and how, in the app.
#include <QDialog>

namespace qs {

class HelpDialog : public QDialog {
  Q_OBJECT
 public:
  explicit HelpDialog(QWidget* parent = nullptr);
  static QString helpHtml();
};

}  // namespace qs
