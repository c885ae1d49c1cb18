#include "ui/quant_name.h"

#include "tasks/report/results_table.h"

namespace qs {

std::string quantFamilyName(QuantFamily family) {
  switch (family) {
    case QuantFamily::Baseline: return "FP16 baseline";
    case QuantFamily::Weight: return "W";
    case QuantFamily::WeightActivation: return "WA";
    case QuantFamily::Kv: return "KV";
    case QuantFamily::Mixed: return "mixed";
  }
  return "?";
}

std::optional<QuantNameParts> parseQuantName(const std::string& name) {
  auto bits = parseQuantBits(name);  // the store's reading of config names, so views and tables agree
  if (!bits) return std::nullopt;
  QuantNameParts p;
  p.weight = bits->weight;
  p.activation = bits->activation;
  p.kv = bits->kv;
  const size_t dash = name.find('-');
  p.options = dash == std::string::npos ? "" : name.substr(dash);
  const bool w = p.weight < 16, a = p.activation < 16, kv = p.kv < 16;
  if (!w && !a && !kv)
    p.family = QuantFamily::Baseline;
  else if (kv && !w && !a)
    p.family = QuantFamily::Kv;
  else if (a && !kv)
    p.family = QuantFamily::WeightActivation;
  else if (w && !a && !kv)
    p.family = QuantFamily::Weight;
  else
    p.family = QuantFamily::Mixed;
  return p;
}

bool isBaselineName(const std::string& name) { return isBaselineQuant(name); }

}  // namespace qs
