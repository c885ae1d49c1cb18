#pragma once
// A quantization configuration: weight, activation and KV specs, the method, and layer rules, with
// a canonical short name that keys the experiment database.
//
// Canonical name grammar (parse(name).name() == name for every name that name() prints):
//
//   name   := "FP16"                                   nothing quantized (also accepts W16A16KV16)
//           | "W" e "A" e "KV" e { "-" token }          e = element type of each tensor type:
//   e      := b                                        integers, b = 2..8 or 16 (16 = not quantized)
//           | "fp8e4m3" | "fp8e5m2"                    OCP FP8 (E4M3 "fn": max 448; E5M2: max 57344)
//           | "nf4"                                    QLoRA NormalFloat4, group absmax scale
//           | "mxfp4" | "mxfp6" | "mxfp6e3m2" | "mxint8"   OCP MX, 32-element blocks, E8M0 scale
//                                                      (mxfp6 = E2M3 elements; also read as "mxfp6e2m3")
//   Format names are lower case, the W / A / KV letters upper case, so "Wnf4A8KV4" reads one way.
//   Tokens, printed in this order and only where they apply:
//   1. Granularity of W and KV, printed whenever either is quantized with a format that has one
//      (MX formats have fixed 32-element blocks and take no granularity token):
//        "g<N>" (group N) | "pc" (per channel: a weight row; one KV head of one token) | "pt" (per tensor)
//      one shared token when the quantized ones agree; otherwise "w<G>-kv<G>" (e.g. -wg128-kvpc).
//   2. Activation granularity when not per-token (the default): "ag<N>" | "apt".
//   3. Symmetry of integer specs when not the default (W asym, A sym, KV asym): "symW", "asymA",
//      "symKV". The other formats are sign-magnitude: always symmetric, no symmetry token.
//   4. Zero-point convention when not the reference one: "gptqzero" when every quantized
//      asymmetric spec uses GPTQ's range-includes-zero, else "gptqzeroW" / "gptqzeroA" / "gptqzeroKV".
//   5. Method when not "rtn": "awq" | "smoothquant" | "gptq" (gptq: integer weights only)
//      | "quarot" (random orthogonal rotations of the linears' inputs and, per head, of the K/V cache;
//        RMSNorm families only).
//   6. Layer rules, in order (the last matching rule wins):
//        ("incl" | "excl") "." target [ ".L" first [ "to" last ] ]
//        target = a linear role name (q_proj, down_proj, lm_head, router, ...), "kv" or "all".
//      The output head is excluded unless a rule includes it ("-incl.lm_head").
//      Precision rules (mixed precision) quantize the matching linears' weights with another
//      element type e (as in the bit-width part, not 16) on the W spec's grouping:
//        "w" e [ "." role ] [ ".L" first [ "to" last ] ]     at least one of role and range;
//      e.g. "w8.L0", "w8.L0to1", "w8.down_proj", "wnf4.down_proj.L2to5" ("w8.all.L0" reads as
//      "w8.L0"). They include what they match (like incl), never touch the KV cache, need quantized
//      weights and the rtn, smoothquant or quarot method. An integer rule on a non-integer W spec is
//      asymmetric with the reference zero point.
// parse() also accepts shorthands and normalises them: omitted parts are 16 ("W4" = W4A16KV16),
// a missing granularity token means the format's default (integers g128, nf4 g64, fp8 per channel
// for W and KV, per token for activations), default symmetry tokens ("asymW") are accepted.
// Example: "W4A8KV4-g128", "W4A16KV16-g64-symW-excl.router", "W8A8KV16-g128-asymA-gptqzero",
// "Wfp8e4m3Afp8e4m3KV16-pc", "Wnf4A16KV16-g64", "Wmxfp4Amxfp4KV16", "W4Afp8e4m3KVfp8e4m3-wg128-kvpc",
// "W4A16KV16-g128-w8.L0-w8.L31" (first and last of 32 layers at 8 bits), "W4A4KV4-g128-quarot".
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/tensor_role.h"
#include "quant/quant_spec.h"

namespace qs {

struct LayerRule {
  bool include = false;            // false = keep unquantized
  std::optional<TensorRole> role;  // a linear role; nullopt with kvCache false = every tensor
  bool kvCache = false;            // the rule targets the KV cache of the layers
  std::optional<int> firstLayer;   // inclusive layer range; nullopt = every layer
  std::optional<int> lastLayer;
  // A precision rule ("w8.L0", "wnf4.down_proj"): the matching linears are quantized (include is
  // true) with their weights in this element type on the weight spec's grouping. 0 = incl/excl rule.
  int weightBits = 0;  // Int: 2..8; other formats: formatBits(weightFormat)
  NumberFormat weightFormat = NumberFormat::Int;

  bool isPrecisionRule() const { return weightBits != 0; }
  bool matchesLinear(int layer, TensorRole r) const;
  bool matchesKv(int layer) const;  // never for precision rules: they apply to weights
  // The weight spec a precision rule gives, from the configuration's weight spec.
  QuantSpec weightSpec(const QuantSpec& base) const;
  std::string token() const;  // "excl.down_proj.L0to3", "w8.L0to1", "wnf4.down_proj"
  bool operator==(const LayerRule&) const = default;

  static LayerRule precision(int bits, std::optional<TensorRole> role, std::optional<int> first = std::nullopt,
                             std::optional<int> last = std::nullopt, NumberFormat format = NumberFormat::Int);
};

struct QuantConfig {
  QuantSpec weight = QuantSpec::off();
  QuantSpec activation = QuantSpec::off();
  QuantSpec kv = QuantSpec::off();
  std::string method = "rtn";
  std::vector<LayerRule> rules;

  // Defaults of each tensor type when a name gives only the bits.
  static QuantSpec defaultWeight(int bits) { return QuantSpec::group(bits, 128, false); }
  static QuantSpec defaultActivation(int bits) { return QuantSpec::token(bits, true); }
  static QuantSpec defaultKv(int bits) { return QuantSpec::group(bits, 128, false); }

  bool quantizesAnything() const { return weight.enabled() || activation.enabled() || kv.enabled(); }
  // Whether the linear (layer, role) has its weight and input quantized (by the specs that are on).
  bool selectsLinear(int layer, TensorRole role) const;
  // The weight spec of the linear (layer, role): the weight spec, or a precision rule's; nullopt
  // when its weight stays unquantized (weights off, or excluded).
  std::optional<QuantSpec> weightSpecFor(int layer, TensorRole role) const;
  bool hasPrecisionRules() const;
  // Whether the K/V of `layer` are quantized (when the KV spec is on).
  bool selectsKv(int layer) const;

  // Throws qs::Error naming the spec / rule that is invalid (bits, granularity for the tensor type).
  void validate() const;
  // The same configuration with unused fields reset, so equal configurations compare equal.
  QuantConfig normalized() const;
  bool operator==(const QuantConfig&) const = default;

  std::string name() const;
  // Throws qs::Error quoting the name and naming the part that is wrong.
  static QuantConfig parse(std::string_view name);

  // Presets: FP16, W8, W4, W3, W2, W8A8, W4A8, W4A4, KV8, KV4, KV3, KV2.
  static const std::vector<std::string>& presetNames();
  static QuantConfig preset(std::string_view presetName);  // throws naming the unknown preset

  static const std::vector<std::string>& knownMethods();  // rtn, awq, smoothquant, gptq, quarot

 private:
  void validatePrecisionRule(const LayerRule& rule) const;
};

// {"name": ..., "weight": spec, "activation": spec, "kv": spec, "method": "rtn", "rules": [...]}
void to_json(nlohmann::json& j, const QuantConfig& config);
// Throws qs::Error naming the field. The stored "name" is checked against the fields.
QuantConfig quantConfigFromJson(const nlohmann::json& j);

}  // namespace qs
