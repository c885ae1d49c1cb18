#pragma once
// Tables as text for papers and spreadsheets: CSV (RFC 4180), LaTeX (booktabs) and Markdown,
// from any item model's DisplayRole and horizontal headers (what the view shows, filter and sort
// included when given the proxy).
#include <QString>

class QAbstractItemModel;

namespace qs {

enum class TextTableFormat { Csv, Latex, Markdown };

QString tableToCsv(const QAbstractItemModel& model);
// A tabular environment with \toprule / \midrule / \bottomrule; numeric columns right-aligned.
QString tableToLatex(const QAbstractItemModel& model, const QString& caption = {});
QString tableToMarkdown(const QAbstractItemModel& model);
QString tableToText(const QAbstractItemModel& model, TextTableFormat format);

// From the suffix: .csv, .tex, .md; throws qs::Error for any other.
TextTableFormat tableFormatFor(const QString& file);
// Writes the table in the file's format; throws qs::Error naming the file when it cannot.
void exportTable(const QAbstractItemModel& model, const QString& file);

QString latexEscape(const QString& text);

}  // namespace qs
