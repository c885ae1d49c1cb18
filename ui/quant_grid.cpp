#include "ui/quant_grid.h"

#include <cctype>

#include "core/error.h"

namespace qs {
namespace {

std::set<int> orUnquantized(const std::set<int>& bits) { return bits.empty() ? std::set<int>{16} : bits; }

}  // namespace

const std::vector<std::string>& paperPresets() {
  static const std::vector<std::string> presets{"W8",   "W4",   "W3",   "W2",  "W8A8", "W4A8",
                                                "W4A4", "KV8", "KV4", "KV3", "KV2"};
  return presets;
}

PresetBits presetBits(const std::string& preset) {
  PresetBits b;
  size_t i = 0;
  auto number = [&](int& out) {
    size_t start = i;
    while (i < preset.size() && std::isdigit(static_cast<unsigned char>(preset[i]))) ++i;
    if (start == i) throw Error("quantization preset '" + preset + "': a bit-width is missing");
    out = std::stoi(preset.substr(start, i - start));
  };
  while (i < preset.size()) {
    if (preset.compare(i, 2, "KV") == 0) {
      i += 2;
      number(b.kv);
    } else if (preset[i] == 'W') {
      ++i;
      number(b.weight);
    } else if (preset[i] == 'A') {
      ++i;
      number(b.activation);
    } else {
      throw Error("quantization preset '" + preset + "': unexpected '" + preset.substr(i, 1) +
                  "' (expected W, A or KV followed by bits)");
    }
  }
  for (int bits : {b.weight, b.activation, b.kv})
    if (bits != 2 && bits != 3 && bits != 4 && bits != 8 && bits != 16)
      throw Error("quantization preset '" + preset + "': " + std::to_string(bits) +
                  " bits is not one of 2, 3, 4, 8, 16");
  return b;
}

std::string quantConfigName(int weightBits, int activationBits, int kvBits, const QuantGrid& o) {
  std::string name = "W" + std::to_string(weightBits) + "A" + std::to_string(activationBits) + "KV" +
                     std::to_string(kvBits);
  if (o.granularity == "per-channel")
    name += "-pc";
  else if (o.granularity == "per-tensor")
    name += "-pt";
  else
    name += "-g" + std::to_string(o.groupSize);
  if (o.symmetric) name += "-sym";
  if (!o.method.empty() && o.method != "rtn") name += "-" + o.method;
  return name;
}

std::vector<std::string> QuantGrid::configNames() const {
  std::set<std::string> names;
  for (int w : orUnquantized(weightBits))
    for (int a : orUnquantized(activationBits))
      for (int kv : orUnquantized(kvBits))
        if (w != 16 || a != 16 || kv != 16) names.insert(quantConfigName(w, a, kv, *this));
  for (const auto& preset : presets) {
    auto b = presetBits(preset);
    names.insert(quantConfigName(b.weight, b.activation, b.kv, *this));
  }
  return {names.begin(), names.end()};
}

RunCount countRuns(int configs, int tasks, int models) {
  RunCount c{configs, tasks, models, 0, 0};
  c.baselines = tasks * models;
  c.total = configs * tasks * models + c.baselines;
  return c;
}

}  // namespace qs
