#include "quant/mixed_precision_recipe.h"

#include <algorithm>

#include "core/base/error.h"

namespace qs {
namespace {

QuantConfig withKept(const QuantConfig& base, std::vector<RankedLinear> kept, int highBits) {
  std::sort(kept.begin(), kept.end(), [](const RankedLinear& a, const RankedLinear& b) {
    return a.layer != b.layer ? a.layer < b.layer : a.role < b.role;
  });
  QuantConfig c = base;
  for (const auto& k : kept) c.rules.push_back(LayerRule::precision(highBits, k.role, k.layer, k.layer));
  return c.normalized();
}

}  // namespace

void requireRecipeBase(const QuantConfig& base, int highBits) {
  const std::string name = "'" + base.name() + "'";
  if (!base.weight.enabled()) throw Error("mixed-precision recipe: " + name + " does not quantize weights");
  if (highBits < 2 || highBits > 8) throw Error("mixed-precision recipe: the higher bit-width must be 2..8");
  if (base.weight.format == NumberFormat::Int && highBits <= base.weight.bits)
    throw Error("mixed-precision recipe: " + std::to_string(highBits) + " bits is not above the weights' " +
                std::to_string(base.weight.bits) + " bits of " + name);
  if (base.hasPrecisionRules()) throw Error("mixed-precision recipe: " + name + " has precision rules already");
  if (base.method != "rtn" && base.method != "smoothquant" && base.method != "quarot")
    throw Error("mixed-precision recipe: " + name + ": method " + base.method +
                " quantizes every weight with one spec (no precision rules)");
}

MixedPrecisionRecipe mixedPrecisionRecipe(const QuantConfig& base, const std::vector<RankedLinear>& mostSensitiveFirst,
                                          int highBits, double targetBitsPerWeight,
                                          const std::vector<LinearShape>& shapes) {
  requireRecipeBase(base, highBits);
  MixedPrecisionRecipe r;
  r.config = base.normalized();
  r.config.validate();
  r.baseBitsPerWeight = bitsPerWeight(r.config, shapes);
  r.bitsPerWeight = r.baseBitsPerWeight;
  r.meetsTarget = r.baseBitsPerWeight <= targetBitsPerWeight;
  if (r.meetsTarget) {
    // Every k is tried: with a non-integer base (nf4) a kept linear need not add bits.
    for (size_t k = 1; k <= mostSensitiveFirst.size(); ++k) {
      std::vector<RankedLinear> kept(mostSensitiveFirst.begin(), mostSensitiveFirst.begin() + static_cast<long>(k));
      QuantConfig c = withKept(base, kept, highBits);
      c.validate();
      const double bpw = bitsPerWeight(c, shapes);
      if (bpw > targetBitsPerWeight) continue;
      r.config = c;
      r.kept = std::move(kept);
      r.bitsPerWeight = bpw;
    }
  }
  r.name = r.config.name();
  // The name keys the database and is what a sweep is given: it must mean this configuration.
  if (QuantConfig::parse(r.name).name() != r.name || QuantConfig::parse(r.name) != r.config)
    throw Error("mixed-precision recipe: the name '" + r.name + "' does not parse back to the same configuration");
  return r;
}

}  // namespace qs
