#pragma once
// How one tensor type (weights, activations or the KV cache) is fake-quantized: number format and
// bits, grouping, symmetric or zero-point, and which zero-point convention (see docs QUANT_SPEC.md).
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "quant/number_formats.h"

namespace qs {

// Groups are runs along the last dimension of the tensor, viewed as [rows, lastDim].
enum class Granularity : uint8_t {
  PerTensor,   // one group: the whole tensor
  PerChannel,  // one group per row (a weight's output channel; one KV head of one token)
  PerGroup,    // contiguous runs of groupSize elements along the last dimension
  PerToken,    // one group per row of an activation [tokens, features]; same layout as PerChannel
};

enum class ZeroPoint : uint8_t {
  Reference,              // the paper's formula: zero clamped to [0, qmax] (range clipped to contain 0)
  GptqRangeIncludesZero,  // GPTQ's quantizer: min' = min(min, 0), max' = max(max, 0)
};

// The non-integer formats are sign-magnitude with one scale per group: symmetric, no zero point.
//   FP8:  scale = max(absmax, 1e-5) / format max; elements rounded onto the FP8 grid, saturating.
//   NF4:  scale = max(absmax, 1e-5); elements x / scale mapped to the nearest NF4 level.
//   MX*:  blocks of 32 along the last dimension (granularity per-group 32, fixed); scale =
//         2^(floor(log2(absmax)) - emax_elem), elements rounded onto the element grid, saturating.
struct QuantSpec {
  int bits = 16;  // Int: 2..8, or 16 = not quantized; other formats: their element width
  Granularity granularity = Granularity::PerGroup;
  int64_t groupSize = 128;  // used by PerGroup only
  bool symmetric = false;
  ZeroPoint zeroPoint = ZeroPoint::Reference;  // used by asymmetric specs only
  NumberFormat format = NumberFormat::Int;

  bool enabled() const { return bits != 16; }
  // Throws qs::Error naming `what` (e.g. "weight spec") when a field is out of range.
  void validate(std::string_view what = "quant spec") const;
  // The same spec with the fields that do not apply reset to defaults (so equal specs compare equal).
  QuantSpec normalized() const;
  bool operator==(const QuantSpec&) const = default;

  static QuantSpec off() { return {}; }
  static QuantSpec group(int bits, int64_t groupSize, bool symmetric = false);
  static QuantSpec channel(int bits, bool symmetric = false);
  static QuantSpec tensor(int bits, bool symmetric = false);
  static QuantSpec token(int bits, bool symmetric = true);
  // A non-integer format with its bits, symmetric, on the given grouping (MX formats: blocks of 32).
  static QuantSpec ofFormat(NumberFormat format, Granularity granularity = Granularity::PerGroup,
                            int64_t groupSize = 128);
};

// Elements per group and number of groups for a tensor of `numel` elements whose last dimension is
// `lastDim`. Throws qs::Error naming `shape` when the group size does not divide the last dimension.
struct GroupLayout {
  int64_t groupLength = 0;
  int64_t groups = 0;
};
GroupLayout groupLayout(const QuantSpec& spec, int64_t numel, int64_t lastDim, std::string_view shape);

std::string_view granularityName(Granularity g);  // "per-tensor", "per-channel", "per-group", "per-token"
std::optional<Granularity> granularityFromName(std::string_view name);
std::string_view zeroPointName(ZeroPoint z);  // "reference", "gptq"
std::optional<ZeroPoint> zeroPointFromName(std::string_view name);
// "int", "fp8e4m3", "fp8e5m2", "nf4", "mxfp4", "mxfp6" (E2M3), "mxfp6e3m2", "mxint8".
std::string_view formatName(NumberFormat f);
std::optional<NumberFormat> formatFromName(std::string_view name);  // also "mxfp6e2m3" for MxFp6

// {"bits":4,"granularity":"per-group","group_size":128,"symmetric":false,"zero_point":"reference"},
// plus "format":"fp8e4m3" etc. for the non-integer formats (absent = int, as in older stored JSON).
void to_json(nlohmann::json& j, const QuantSpec& spec);
// Throws qs::Error naming `what` and the field on a missing / invalid field.
QuantSpec quantSpecFromJson(const nlohmann::json& j, std::string_view what = "quant spec");

}  // namespace qs
