#pragma once
// The quantization configurations a sweep covers, as chosen in the quantization panel: the cross
// product of the checked W / A / KV bit-widths plus the checked presets of the paper's grid, all
// with the same grouping and symmetry, crossed with the checked methods (a method is left out of
// the configurations it cannot serve, see quant/method_grid.h). No Qt: the panel is a view of this.
#include <set>
#include <string>
#include <vector>

namespace qs {

struct QuantGrid {
  std::set<int> weightBits;      // 2, 3, 4, 8, 16 (16 = not quantized)
  std::set<int> activationBits;  // empty = {16}
  std::set<int> kvBits;          // empty = {16}
  std::set<std::string> presets;  // paper presets, e.g. "W4", "W4A8", "KV4"
  std::string granularity = "per-group";  // weights and KV: "per-group", "per-channel", "per-tensor"
  int groupSize = 128;
  bool symmetric = false;            // W and KV
  bool activationSymmetric = true;   // per-token activations: the paper's text (its code: asymmetric)
  std::set<std::string> methods{"rtn"};  // "rtn", "awq", "smoothquant", "gptq", "quarot"; empty = rtn

  // Canonical names of every configuration, sorted, without duplicates and without the
  // unquantized baseline (the sweep adds that per model).
  std::vector<std::string> configNames() const;
  // The (configuration, method) pairs left out because the method cannot serve them, with why.
  std::vector<std::string> leftOut() const;
};

// The presets of the paper's grid (QuantConfig::presetNames() without the FP16 baseline), in
// display order: W8 W4 W3 W2 W8A8 W4A8 W4A4 KV8 KV4 KV3 KV2.
const std::vector<std::string>& paperPresets();

// Bits of one preset ("W4A8" -> w 4, a 8, kv 16). Throws qs::Error for an unknown preset.
struct PresetBits {
  int weight = 16;
  int activation = 16;
  int kv = 16;
};
PresetBits presetBits(const std::string& preset);

// The canonical QuantConfig name of one configuration with the grid's options ("W4A16KV16-g128").
// Throws qs::Error when the options are invalid for it.
std::string quantConfigName(int weightBits, int activationBits, int kvBits, const QuantGrid& options);

// Runs a sweep plans: every config on every task of every model, plus one unquantized baseline per
// model and task.
struct RunCount {
  int configs = 0;
  int tasks = 0;
  int models = 0;
  int baselines = 0;
  int total = 0;
};
RunCount countRuns(int configs, int tasks, int models);

}  // namespace qs
