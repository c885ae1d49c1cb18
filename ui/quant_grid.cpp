#include "ui/quant_grid.h"

#include "core/base/error.h"
#include "quant/quant_config.h"

namespace qs {
namespace {

std::set<int> orUnquantized(const std::set<int>& bits) { return bits.empty() ? std::set<int>{16} : bits; }

// A W or KV spec with the grid's grouping and symmetry.
QuantSpec gridSpec(int bits, const QuantGrid& o) {
  if (bits == 16) return QuantSpec::off();
  if (o.granularity == "per-channel") return QuantSpec::channel(bits, o.symmetric);
  if (o.granularity == "per-tensor") return QuantSpec::tensor(bits, o.symmetric);
  if (o.granularity != "per-group") throw Error("quantization grid: unknown granularity '" + o.granularity + "'");
  return QuantSpec::group(bits, o.groupSize, o.symmetric);
}

}  // namespace

const std::vector<std::string>& paperPresets() {
  static const std::vector<std::string> presets = [] {
    std::vector<std::string> names;
    for (const auto& n : QuantConfig::presetNames())
      if (n != "FP16") names.push_back(n);  // the baseline is always run
    return names;
  }();
  return presets;
}

PresetBits presetBits(const std::string& preset) {
  const QuantConfig c = QuantConfig::preset(preset);
  return {c.weight.bits, c.activation.bits, c.kv.bits};
}

std::string quantConfigName(int weightBits, int activationBits, int kvBits, const QuantGrid& o) {
  QuantConfig c;
  c.weight = gridSpec(weightBits, o);
  c.kv = gridSpec(kvBits, o);
  c.activation = activationBits == 16 ? QuantSpec::off() : QuantSpec::token(activationBits, o.activationSymmetric);
  c.method = o.method;
  c.validate();
  return c.normalized().name();
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
