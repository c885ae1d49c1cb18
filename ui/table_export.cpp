#include "ui/table_export.h"

#include <QAbstractItemModel>
#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QTextStream>

#include "core/base/error.h"

namespace qs {
namespace {

QString cell(const QAbstractItemModel& m, int r, int c) { return m.data(m.index(r, c), Qt::DisplayRole).toString(); }
QString header(const QAbstractItemModel& m, int c) { return m.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString(); }

bool numericColumn(const QAbstractItemModel& m, int c) {
  bool any = false;
  for (int r = 0; r < m.rowCount(); ++r) {
    QString text = cell(m, r, c).trimmed();
    if (text.isEmpty()) continue;
    text.remove(QChar('%')).replace(QString::fromUtf8("±"), " ");
    bool ok = false;
    text.section(' ', 0, 0).toDouble(&ok);
    if (!ok) return false;
    any = true;
  }
  return any;
}

QString csvField(const QString& s) {
  if (!s.contains(',') && !s.contains('"') && !s.contains('\n') && !s.contains('\r')) return s;
  QString quoted = s;
  quoted.replace("\"", "\"\"");
  return "\"" + quoted + "\"";
}

QString markdownField(QString s) {
  s.replace("|", "\\|");
  s.replace("\n", " ");
  return s;
}

}  // namespace

QString latexEscape(const QString& text) {
  QString out;
  for (QChar ch : text) {
    switch (ch.unicode()) {
      case '\\': out += "\\textbackslash{}"; break;
      case '&': case '%': case '$': case '#': case '_': case '{': case '}': out += QString("\\") + ch; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case 0x00B1: out += "$\\pm$"; break;  // ±
      case 0x00B7: out += "$\\cdot$"; break;  // ·
      case 0x0394: out += "$\\Delta$"; break;  // Δ
      default: out += ch;
    }
  }
  return out;
}

QString tableToCsv(const QAbstractItemModel& m) {
  QString out;
  QStringList fields;
  for (int c = 0; c < m.columnCount(); ++c) fields << csvField(header(m, c));
  out += fields.join(',') + "\r\n";
  for (int r = 0; r < m.rowCount(); ++r) {
    fields.clear();
    for (int c = 0; c < m.columnCount(); ++c) fields << csvField(cell(m, r, c));
    out += fields.join(',') + "\r\n";
  }
  return out;
}

QString tableToLatex(const QAbstractItemModel& m, const QString& caption) {
  QString spec;
  for (int c = 0; c < m.columnCount(); ++c) spec += numericColumn(m, c) ? 'r' : 'l';
  QString out;
  out += "% Requires \\usepackage{booktabs}\n";
  if (!caption.isEmpty()) out += "\\begin{table}[t]\n\\centering\n\\caption{" + latexEscape(caption) + "}\n";
  out += "\\begin{tabular}{" + spec + "}\n\\toprule\n";
  QStringList fields;
  for (int c = 0; c < m.columnCount(); ++c) fields << latexEscape(header(m, c));
  out += fields.join(" & ") + " \\\\\n\\midrule\n";
  for (int r = 0; r < m.rowCount(); ++r) {
    fields.clear();
    for (int c = 0; c < m.columnCount(); ++c) fields << latexEscape(cell(m, r, c));
    out += fields.join(" & ") + " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  if (!caption.isEmpty()) out += "\\end{table}\n";
  return out;
}

QString tableToMarkdown(const QAbstractItemModel& m) {
  QString out;
  QStringList fields, rule;
  for (int c = 0; c < m.columnCount(); ++c) {
    fields << markdownField(header(m, c));
    rule << (numericColumn(m, c) ? "---:" : "---");
  }
  out += "| " + fields.join(" | ") + " |\n|" + rule.join("|") + "|\n";
  for (int r = 0; r < m.rowCount(); ++r) {
    fields.clear();
    for (int c = 0; c < m.columnCount(); ++c) fields << markdownField(cell(m, r, c));
    out += "| " + fields.join(" | ") + " |\n";
  }
  return out;
}

QString tableToText(const QAbstractItemModel& model, TextTableFormat format) {
  switch (format) {
    case TextTableFormat::Csv: return tableToCsv(model);
    case TextTableFormat::Latex: return tableToLatex(model);
    case TextTableFormat::Markdown: return tableToMarkdown(model);
  }
  return {};
}

TextTableFormat tableFormatFor(const QString& file) {
  const QString suffix = QFileInfo(file).suffix().toLower();
  if (suffix == "csv") return TextTableFormat::Csv;
  if (suffix == "tex") return TextTableFormat::Latex;
  if (suffix == "md") return TextTableFormat::Markdown;
  throw Error((file + ": unknown table format '." + suffix + "' (use .csv, .tex or .md)").toStdString());
}

void exportTable(const QAbstractItemModel& model, const QString& file) {
  const QString text = tableToText(model, tableFormatFor(file));
  QFile out(file);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
    throw Error((file + ": cannot write: " + out.errorString()).toStdString());
  const QByteArray bytes = text.toUtf8();
  if (out.write(bytes) != bytes.size()) throw Error((file + ": write failed: " + out.errorString()).toStdString());
}

}  // namespace qs
