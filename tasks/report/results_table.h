#pragma once
// The results table in the paper's layout: one row per quantization config (the unquantized
// baseline first, then by weight, activation and KV bits, highest first), one column per
// task/metric, values absolute or relative to the baseline of the same model. Pure functions over
// records, plus renderers to CSV, JSON, LaTeX (booktabs) and Markdown.
//
// Relative values are percentages, signed so that negative always means worse than the baseline:
//   higher-is-better:  delta% = 100 * (q - b) / |b|
//   lower-is-better:   delta% = 100 * (b - q) / |b|
// with q the config's value and b the baseline's; the standard error becomes 100 * se(q) / |b|
// (the baseline's own uncertainty is not propagated). The baseline row keeps its absolute values.
// A cell is empty when its value, or in relative mode the baseline value (or a zero baseline), is missing.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// One metric of one run, as the table consumes it.
struct ResultPoint {
  std::string model;  // row group label, e.g. "opt-125m"
  std::string quant;  // quant config name, e.g. "W4A16KV16-g128"
  std::string task;
  std::string metric;
  double value = 0;
  std::optional<double> stdError;
  bool higherIsBetter = true;
};

struct QuantBits {
  int weight = 16;
  int activation = 16;
  int kv = 16;
};

// The bit-widths of a config name as quant/'s QuantConfig::parse reads it: "W4A16KV8-g128" ->
// 4/16/8, presets ("W4A8", "KV4") included; "FP16", "BF16", "FP32" and "baseline" (any case) ->
// 16/16/16. nullopt when the name is not a configuration.
std::optional<QuantBits> parseQuantBits(std::string_view name);
// True when parseQuantBits gives 16/16/16.
bool isBaselineQuant(std::string_view name);

struct TableOptions {
  bool relative = false;
  bool withStdError = false;
  // Keep only these columns: a metric name ("acc") or a column name ("lambada/acc"). Empty = all.
  std::vector<std::string> metrics;
  // Keep only these tasks (column task names, "lambada_openai" or "lambada_openai (limit 40)") and
  // these configuration rows. Empty = all. The baseline's values are still used for relative cells
  // when its row is not kept.
  std::vector<std::string> tasks;
  std::vector<std::string> quants;
  // The baseline config's name; "" = each model's config whose bits are all 16.
  std::string baseline;
  // Mark the best value of each column among each model's quantized rows (bold in LaTeX and
  // Markdown): the highest, or the lowest where lower is better; relative cells are signed so
  // that the highest is always best. Ties are all marked.
  bool boldBest = false;
  // LaTeX: with either, the tabular is wrapped in a table float with \caption and \label.
  std::string caption;
  std::string label;
  int decimals = 4;          // absolute values
  int relativeDecimals = 2;  // relative values (percent)
};

struct TableCell {
  double value = 0;  // rounded as displayed
  std::optional<double> stdError;
  bool relative = false;  // percent of the baseline
  bool best = false;      // TableOptions::boldBest: the best of its column within its model
};

struct TableColumn {
  std::string task;
  std::string metric;
  bool higherIsBetter = true;
  std::string name() const { return task + "/" + metric; }
};

struct TableRow {
  std::string model;
  std::string quant;
  bool baseline = false;
  std::vector<std::optional<TableCell>> cells;  // one per column
};

struct ResultsTable {
  std::vector<TableColumn> columns;  // sorted by task, then metric
  std::vector<TableRow> rows;        // grouped by model (sorted), in the row order described above
  bool relative = false;
  bool withStdError = false;
  int decimals = 4;
  int relativeDecimals = 2;
  bool boldBest = false;
  std::string caption;
  std::string label;
  std::vector<std::string> warnings;  // duplicate points, missing baselines
  bool multiModel() const;
};

ResultsTable buildResultsTable(const std::vector<ResultPoint>& points, const TableOptions& options = {});

enum class TableFormat { Csv, Json, Latex, Markdown };
std::optional<TableFormat> tableFormatFromName(std::string_view name);  // "csv", "json", "latex", "markdown"

// CSV (RFC 4180): model,quant[,unit],<column>[,<column> stderr]...; unit is "absolute" or "percent".
std::string renderCsv(const ResultsTable& table);
// JSON: {"mode", "formula", "columns": [...], "rows": [{"model", "quant", "baseline", "cells": {...}}]}.
std::string renderJson(const ResultsTable& table);
// A booktabs tabular (\toprule, \midrule between models, \bottomrule), LaTeX specials escaped.
std::string renderLatex(const ResultsTable& table);
// A GitHub-flavoured Markdown table, numbers right-aligned.
std::string renderMarkdown(const ResultsTable& table);
std::string renderTable(const ResultsTable& table, TableFormat format);

}  // namespace qs
