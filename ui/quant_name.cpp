#include "ui/quant_name.h"

#include <algorithm>
#include <cctype>

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
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* plain : {"baseline", "fp16", "bf16", "fp32", "none", "unquantized"})
    if (lower == plain) return QuantNameParts{};

  QuantNameParts p;
  size_t i = 0;
  bool any = false;
  auto number = [&](int& out) {
    size_t start = i;
    while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
    if (start == i || i - start > 2) return false;
    out = std::stoi(name.substr(start, i - start));
    return true;
  };
  while (i < name.size() && name[i] != '-') {
    bool ok = false;
    if (name.compare(i, 2, "KV") == 0) {
      i += 2;
      ok = number(p.kv);
    } else if (name[i] == 'W') {
      ++i;
      ok = number(p.weight);
    } else if (name[i] == 'A') {
      ++i;
      ok = number(p.activation);
    }
    if (!ok) return std::nullopt;
    any = true;
  }
  if (!any) return std::nullopt;
  p.options = name.substr(i);
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

bool isBaselineName(const std::string& name) {
  auto p = parseQuantName(name);
  return p && p->family == QuantFamily::Baseline;
}

}  // namespace qs
