#include "ui/log_view.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QScrollBar>

namespace qs {

LogView::LogView(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setMaximumBlockCount(20000);  // older lines are dropped; every run's log is also in the database
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setLineWrapMode(QPlainTextEdit::NoWrap);
}

void LogView::append(const QString& level, const QString& text) {
  const bool atEnd = verticalScrollBar()->value() == verticalScrollBar()->maximum();
  QString color = level == "error" ? "#b00000" : level == "warning" ? "#a06000" : level == "debug" ? "#777777" : "";
  QString line = QDateTime::currentDateTime().toString("HH:mm:ss") + "  " + level.leftJustified(7) + " " + text;
  appendHtml(color.isEmpty() ? "<pre style='margin:0'>" + line.toHtmlEscaped() + "</pre>"
                             : "<pre style='margin:0;color:" + color + "'>" + line.toHtmlEscaped() + "</pre>");
  if (atEnd) verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

}  // namespace qs

#include "moc_log_view.cpp"  // in this object, not mocs_compilation: see CMakeLists.txt
