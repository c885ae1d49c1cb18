#pragma once
// The Log tab: what the workbench and the running sweep report, newest last, with time and level.
#include <QPlainTextEdit>

namespace qs {

class LogView : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit LogView(QWidget* parent = nullptr);
  int lineCount() const { return blockCount() - (document()->isEmpty() ? 1 : 0); }

 public Q_SLOTS:
  // level: "debug", "info", "warning", "error".
  void append(const QString& level, const QString& text);
};

}  // namespace qs
