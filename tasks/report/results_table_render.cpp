// Renderers of ResultsTable: CSV, JSON, LaTeX (booktabs), Markdown.
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tasks/report/results_table.h"

namespace qs {
namespace {

constexpr const char* kFormula =
    "higher-is-better: 100*(q-b)/|b|; lower-is-better: 100*(b-q)/|b|; negative = worse than the baseline b; "
    "stderr: 100*se(q)/|b|";

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // A value that rounds to zero prints without a sign.
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string number(const ResultsTable& t, const TableCell& c, double v, bool signedValue) {
  std::string s = fixed(v, c.relative ? t.relativeDecimals : t.decimals);
  if (signedValue && c.relative && s[0] != '-' && s.find_first_not_of("0.") != std::string::npos) s = "+" + s;
  return s;
}

// "0.6523 ± 0.0066", "-1.23% ± 0.45%" with the given plus-minus and percent spellings.
std::string cellText(const ResultsTable& t, const std::optional<TableCell>& cell, const std::string& pm,
                     const std::string& percent, const std::string& missing) {
  if (!cell) return missing;
  std::string unit = cell->relative ? percent : "";
  std::string s = number(t, *cell, cell->value, true) + unit;
  if (t.withStdError && cell->stdError) s += pm + number(t, *cell, *cell->stdError, false) + unit;
  return s;
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string latexEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\textbackslash{}"; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '_': case '%': case '&': case '#': case '$': case '{': case '}':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string markdownEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::optional<TableFormat> tableFormatFromName(std::string_view name) {
  if (name == "csv") return TableFormat::Csv;
  if (name == "json") return TableFormat::Json;
  if (name == "latex" || name == "tex") return TableFormat::Latex;
  if (name == "markdown" || name == "md") return TableFormat::Markdown;
  return std::nullopt;
}

std::string renderCsv(const ResultsTable& t) {
  std::string out = "model,quant";
  if (t.relative) out += ",unit";
  for (const auto& c : t.columns) {
    out.append(",").append(csvField(c.name()));
    if (t.withStdError) out.append(",").append(csvField(c.name() + " stderr"));
  }
  out += "\n";
  for (const auto& row : t.rows) {
    out.append(csvField(row.model)).append(",").append(csvField(row.quant));
    if (t.relative) out += row.baseline ? ",absolute" : ",percent";
    for (const auto& cell : row.cells) {
      out += ",";
      if (cell) out += number(t, *cell, cell->value, false);
      if (!t.withStdError) continue;
      out += ",";
      if (cell && cell->stdError) out += number(t, *cell, *cell->stdError, false);
    }
    out += "\n";
  }
  return out;
}

std::string renderJson(const ResultsTable& t) {
  nlohmann::ordered_json doc;
  doc["mode"] = t.relative ? "relative" : "absolute";
  if (t.relative) doc["formula"] = kFormula;
  doc["columns"] = nlohmann::ordered_json::array();
  for (const auto& c : t.columns)
    doc["columns"].push_back(
        {{"name", c.name()}, {"task", c.task}, {"metric", c.metric}, {"higher_is_better", c.higherIsBetter}});
  doc["rows"] = nlohmann::ordered_json::array();
  for (const auto& row : t.rows) {
    nlohmann::ordered_json cells = nlohmann::ordered_json::object();
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const auto& cell = row.cells[i];
      if (!cell) {
        cells[t.columns[i].name()] = nullptr;
        continue;
      }
      nlohmann::ordered_json c = {{"value", cell->value}};
      if (t.withStdError && cell->stdError) c["stderr"] = *cell->stdError;
      c["unit"] = cell->relative ? "percent" : "absolute";
      cells[t.columns[i].name()] = c;
    }
    doc["rows"].push_back({{"model", row.model}, {"quant", row.quant}, {"baseline", row.baseline}, {"cells", cells}});
  }
  if (!t.warnings.empty()) doc["warnings"] = t.warnings;
  return doc.dump(2) + "\n";
}

std::string renderLatex(const ResultsTable& t) {
  const bool models = t.multiModel();
  std::string spec = models ? "ll" : "l";
  for (size_t i = 0; i < t.columns.size(); ++i) spec += "r";
  const bool floating = !t.caption.empty() || !t.label.empty();
  std::string out;
  if (floating) {
    out += "\\begin{table}[t]\n\\centering\n";
    if (!t.caption.empty()) out += "\\caption{" + latexEscape(t.caption) + "}\n";
    // Labels are keys for \\ref, not text: only characters LaTeX accepts there unescaped are kept.
    if (!t.label.empty()) {
      std::string key;
      for (char c : t.label)
        if (std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' || c == '.') key += c;
      out += "\\label{" + key + "}\n";
    }
  }
  out += "\\begin{tabular}{" + spec + "}\n\\toprule\n";
  out += models ? "Model & Quant" : "Quant";
  for (const auto& c : t.columns) out.append(" & ").append(latexEscape(c.name()));
  out += " \\\\\n\\midrule\n";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    bool firstOfModel = r == 0 || t.rows[r - 1].model != row.model;
    if (models && firstOfModel && r > 0) out += "\\midrule\n";
    if (models) out += (firstOfModel ? latexEscape(row.model) : "") + " & ";
    out += latexEscape(row.quant);
    for (const auto& cell : row.cells) {
      const std::string text = cellText(t, cell, " $\\pm$ ", "\\%", "--");
      out.append(" & ").append(cell && cell->best ? "\\textbf{" + text + "}" : text);
    }
    out += " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  if (floating) out += "\\end{table}\n";
  return out;
}

std::string renderMarkdown(const ResultsTable& t) {
  const bool models = t.multiModel();
  std::string out = models ? "| Model | Quant |" : "| Quant |";
  std::string rule = models ? "|---|---|" : "|---|";
  for (const auto& c : t.columns) {
    out.append(" ").append(markdownEscape(c.name())).append(" |");
    rule += "---:|";
  }
  out.append("\n").append(rule).append("\n");
  for (const auto& row : t.rows) {
    out += "| ";
    if (models) out.append(markdownEscape(row.model)).append(" | ");
    out.append(markdownEscape(row.quant)).append(" |");
    for (const auto& cell : row.cells) {
      const std::string text = cellText(t, cell, " ± ", "%", "–");
      out.append(" ").append(cell && cell->best ? "**" + text + "**" : text).append(" |");
    }
    out += "\n";
  }
  return out;
}

std::string renderTable(const ResultsTable& table, TableFormat format) {
  switch (format) {
    case TableFormat::Csv: return renderCsv(table);
    case TableFormat::Json: return renderJson(table);
    case TableFormat::Latex: return renderLatex(table);
    case TableFormat::Markdown: return renderMarkdown(table);
  }
  return {};
}

}  // namespace qs
