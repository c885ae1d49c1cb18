// Building the results table from points; the renderers are in results_table_render.cpp.
#include "tasks/report/results_table.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "core/base/error.h"
#include "quant/quant_config.h"

namespace qs {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

double roundTo(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  double rounded = std::round(value * scale) / scale;
  return rounded == 0 ? 0.0 : rounded;  // no "-0" in the output
}

// Sort key of a row within its model: baseline, then W, A, KV descending, unparsable last.
auto rowOrder(const std::string& quant, bool baseline) {
  auto bits = parseQuantBits(quant);
  QuantBits b = bits.value_or(QuantBits{-1, -1, -1});
  return std::make_tuple(!baseline, !bits.has_value(), -b.weight, -b.activation, -b.kv, quant);
}

bool columnSelected(const TableColumn& column, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return w == column.metric || w == column.name(); });
}

using PointKey = std::tuple<std::string, std::string, std::string>;  // model, quant, column name

}  // namespace

std::optional<QuantBits> parseQuantBits(std::string_view name) {
  // Baseline spellings that are not quantization configs; everything else is quant/'s name syntax.
  std::string s = lower(name.substr(0, name.find('-')));
  if (s == "fp16" || s == "bf16" || s == "fp32" || s == "baseline") return QuantBits{};
  // A name whose options quant/ refuses ("W16A16KV16-g128": a group size with nothing quantized)
  // still spells its bits: fall back to the part before the first option.
  for (std::string_view candidate : {name, name.substr(0, name.find('-'))}) {
    try {
      const QuantConfig c = QuantConfig::parse(candidate);
      return QuantBits{c.weight.bits, c.activation.bits, c.kv.bits};
    } catch (const Error&) {
    }
  }
  return std::nullopt;
}

bool isBaselineQuant(std::string_view name) {
  auto bits = parseQuantBits(name);
  return bits && bits->weight == 16 && bits->activation == 16 && bits->kv == 16;
}

bool ResultsTable::multiModel() const {
  return std::any_of(rows.begin(), rows.end(), [&](const TableRow& r) { return r.model != rows.front().model; });
}

// TableCell::best over each model's quantized rows, column by column.
void markBest(ResultsTable& table) {
  for (size_t c = 0; c < table.columns.size(); ++c) {
    const bool higher = table.relative || table.columns[c].higherIsBetter;
    size_t start = 0;
    while (start < table.rows.size()) {
      size_t end = start;
      while (end < table.rows.size() && table.rows[end].model == table.rows[start].model) ++end;
      std::optional<double> best;
      for (size_t r = start; r < end; ++r) {
        const auto& cell = table.rows[r].cells[c];
        if (table.rows[r].baseline || !cell) continue;
        if (!best || (higher ? cell->value > *best : cell->value < *best)) best = cell->value;
      }
      for (size_t r = start; r < end; ++r) {
        auto& cell = table.rows[r].cells[c];
        if (best && !table.rows[r].baseline && cell && cell->value == *best) cell->best = true;
      }
      start = end;
    }
  }
}

ResultsTable buildResultsTable(const std::vector<ResultPoint>& points, const TableOptions& options) {
  ResultsTable table;
  table.relative = options.relative;
  table.withStdError = options.withStdError;
  table.decimals = options.decimals;
  table.relativeDecimals = options.relativeDecimals;
  table.boldBest = options.boldBest;
  table.caption = options.caption;
  table.label = options.label;
  auto listed = [](const std::vector<std::string>& list, const std::string& name) {
    return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
  };

  std::map<std::string, TableColumn> columns;  // by name: sorted by task, then metric
  std::map<PointKey, const ResultPoint*> byKey;
  std::map<std::string, std::set<std::string>> quantsOf;  // model -> configs
  for (const auto& p : points) {
    TableColumn column{p.task, p.metric, p.higherIsBetter};
    if (!columnSelected(column, options.metrics) || !listed(options.tasks, p.task)) continue;
    columns.emplace(column.name(), column);
    if (!byKey.emplace(PointKey{p.model, p.quant, column.name()}, &p).second)
      table.warnings.push_back("duplicate result for " + p.model + " " + p.quant + " " + column.name() +
                               ": the first is shown");
    quantsOf[p.model].insert(p.quant);
  }
  for (auto& [name, column] : columns) table.columns.push_back(column);

  auto isBaseline = [&](const std::string& quant) {
    return options.baseline.empty() ? isBaselineQuant(quant) : quant == options.baseline;
  };
  for (const auto& [model, quants] : quantsOf) {
    std::vector<std::string> ordered(quants.begin(), quants.end());
    std::sort(ordered.begin(), ordered.end(), [&](const std::string& a, const std::string& b) {
      return rowOrder(a, isBaseline(a)) < rowOrder(b, isBaseline(b));
    });
    std::optional<std::string> baseline;
    if (isBaseline(ordered.front())) baseline = ordered.front();
    if (options.relative && !baseline)
      table.warnings.push_back("model " + model + " has no baseline run: its relative values are left empty");

    for (const auto& quant : ordered) {
      TableRow row{model, quant, baseline && quant == *baseline, {}};
      for (const auto& column : table.columns) {
        auto it = byKey.find({model, quant, column.name()});
        if (it == byKey.end()) {
          row.cells.push_back(std::nullopt);
          continue;
        }
        const ResultPoint& p = *it->second;
        if (!options.relative || row.baseline) {
          std::optional<double> se;
          if (p.stdError) se = roundTo(*p.stdError, options.decimals);
          row.cells.push_back(TableCell{roundTo(p.value, options.decimals), se, false});
          continue;
        }
        auto base = baseline ? byKey.find({model, *baseline, column.name()}) : byKey.end();
        if (base == byKey.end() || base->second->value == 0) {
          row.cells.push_back(std::nullopt);
          continue;
        }
        double b = base->second->value;
        double sign = column.higherIsBetter ? 1.0 : -1.0;
        double delta = 100.0 * sign * (p.value - b) / std::fabs(b);
        std::optional<double> se;
        if (p.stdError) se = roundTo(100.0 * *p.stdError / std::fabs(b), options.relativeDecimals);
        row.cells.push_back(TableCell{roundTo(delta, options.relativeDecimals), se, true});
      }
      if (listed(options.quants, quant)) table.rows.push_back(std::move(row));
    }
  }
  if (options.boldBest) markBest(table);
  return table;
}

}  // namespace qs
