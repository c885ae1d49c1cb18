#include "ui/quant_grid.h"

#include "core/base/error.h"
#include "quant/method_grid.h"
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
  c.validate();
  return c.normalized().name();
}

namespace {

MethodGrid crossed(const QuantGrid& g) {
  std::set<std::string> names;
  for (int w : orUnquantized(g.weightBits))
    for (int a : orUnquantized(g.activationBits))
      for (int kv : orUnquantized(g.kvBits))
        if (w != 16 || a != 16 || kv != 16) names.insert(quantConfigName(w, a, kv, g));
  for (const auto& preset : g.presets) {
    auto b = presetBits(preset);
    names.insert(quantConfigName(b.weight, b.activation, b.kv, g));
  }
  const std::vector<std::string> methods =
      g.methods.empty() ? std::vector<std::string>{"rtn"} : std::vector<std::string>(g.methods.begin(), g.methods.end());
  return crossWithMethods({names.begin(), names.end()}, methods);
}

}  // namespace

std::vector<std::string> QuantGrid::configNames() const {
  auto grid = crossed(*this);
  std::set<std::string> sorted(grid.configs.begin(), grid.configs.end());
  return {sorted.begin(), sorted.end()};
}

std::vector<std::string> QuantGrid::leftOut() const { return crossed(*this).skipped; }

RunCount countRuns(int configs, int tasks, int models) {
  RunCount c{configs, tasks, models, 0, 0};
  c.baselines = tasks * models;
  c.total = configs * tasks * models + c.baselines;
  return c;
}

}  // namespace qs
