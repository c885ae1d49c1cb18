#pragma once
// Reading a quantization config name the way the views need it: the W / A / KV bit-widths, the
// options after them ("-g128-sym"), and which tensor type it quantizes (for the curves).
#include <optional>
#include <string>

namespace qs {

enum class QuantFamily { Baseline, Weight, WeightActivation, Kv, Mixed };
std::string quantFamilyName(QuantFamily family);  // "FP16 baseline", "W", "WA", "KV", "mixed"

struct QuantNameParts {
  int weight = 16;
  int activation = 16;
  int kv = 16;
  std::string options;  // what follows the bits: "-g128", "-g64-sym-awq", "" for a bare preset
  QuantFamily family = QuantFamily::Baseline;
};

// "W4A16KV16-g128", "W4A8", "KV4", "W16A16KV16"; "FP16", "BF16", "FP32" and "baseline" (any case)
// are the baseline (tasks/report/results_table.h's parseQuantBits). nullopt for a name it cannot read.
std::optional<QuantNameParts> parseQuantName(const std::string& name);
bool isBaselineName(const std::string& name);

}  // namespace qs
