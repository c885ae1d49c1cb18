#include "quant/quant_spec.h"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

#include "core/base/error.h"

namespace qs {
namespace {
constexpr std::array<std::pair<Granularity, std::string_view>, 4> kGranularityNames{{
    {Granularity::PerTensor, "per-tensor"},
    {Granularity::PerChannel, "per-channel"},
    {Granularity::PerGroup, "per-group"},
    {Granularity::PerToken, "per-token"},
}};
constexpr std::array<std::pair<ZeroPoint, std::string_view>, 2> kZeroPointNames{{
    {ZeroPoint::Reference, "reference"},
    {ZeroPoint::GptqRangeIncludesZero, "gptq"},
}};
}  // namespace

QuantSpec QuantSpec::group(int bits, int64_t groupSize, bool symmetric) {
  return {bits, Granularity::PerGroup, groupSize, symmetric, ZeroPoint::Reference};
}
QuantSpec QuantSpec::channel(int bits, bool symmetric) {
  return QuantSpec{bits, Granularity::PerChannel, 128, symmetric, ZeroPoint::Reference}.normalized();
}
QuantSpec QuantSpec::tensor(int bits, bool symmetric) {
  return QuantSpec{bits, Granularity::PerTensor, 128, symmetric, ZeroPoint::Reference}.normalized();
}
QuantSpec QuantSpec::token(int bits, bool symmetric) {
  return QuantSpec{bits, Granularity::PerToken, 128, symmetric, ZeroPoint::Reference}.normalized();
}

void QuantSpec::validate(std::string_view what) const {
  if (bits != 16 && (bits < 2 || bits > 8))
    throw Error(std::string(what) + ": bits must be 2..8 or 16 (not quantized), got " +
                std::to_string(bits));
  if (granularity == Granularity::PerGroup && groupSize < 1)
    throw Error(std::string(what) + ": group size must be positive, got " + std::to_string(groupSize));
}

QuantSpec QuantSpec::normalized() const {
  if (!enabled()) return off();
  QuantSpec s = *this;
  // A fixed placeholder keeps equal specs equal when the group size is unused.
  if (s.granularity != Granularity::PerGroup) s.groupSize = 128;
  if (s.symmetric) s.zeroPoint = ZeroPoint::Reference;
  return s;
}

GroupLayout groupLayout(const QuantSpec& spec, int64_t numel, int64_t lastDim, std::string_view shape) {
  if (numel == 0) return {std::max<int64_t>(lastDim, 1), 0};
  switch (spec.granularity) {
    case Granularity::PerTensor:
      return {numel, 1};
    case Granularity::PerChannel:
    case Granularity::PerToken:
      return {lastDim, numel / lastDim};
    case Granularity::PerGroup:
      break;
  }
  if (spec.groupSize < 1 || lastDim % spec.groupSize != 0)
    throw Error("fake quantization: group size " + std::to_string(spec.groupSize) +
                " does not divide the last dimension (" + std::to_string(lastDim) + ") of tensor " +
                std::string(shape));
  return {spec.groupSize, numel / spec.groupSize};
}

std::string_view granularityName(Granularity g) {
  for (const auto& [k, n] : kGranularityNames)
    if (k == g) return n;
  return "?";
}

std::optional<Granularity> granularityFromName(std::string_view name) {
  for (const auto& [k, n] : kGranularityNames)
    if (n == name) return k;
  return std::nullopt;
}

std::string_view zeroPointName(ZeroPoint z) {
  for (const auto& [k, n] : kZeroPointNames)
    if (k == z) return n;
  return "?";
}

std::optional<ZeroPoint> zeroPointFromName(std::string_view name) {
  for (const auto& [k, n] : kZeroPointNames)
    if (n == name) return k;
  return std::nullopt;
}

void to_json(nlohmann::json& j, const QuantSpec& spec) {
  j = nlohmann::json{{"bits", spec.bits},
                     {"granularity", granularityName(spec.granularity)},
                     {"group_size", spec.groupSize},
                     {"symmetric", spec.symmetric},
                     {"zero_point", zeroPointName(spec.zeroPoint)}};
}

QuantSpec quantSpecFromJson(const nlohmann::json& j, std::string_view what) {
  const std::string w(what);
  if (!j.is_object()) throw Error(w + ": expected a JSON object");
  auto field = [&](const char* key) -> const nlohmann::json& {
    auto it = j.find(key);
    if (it == j.end()) throw Error(w + ": missing field '" + key + "'");
    return *it;
  };
  QuantSpec s;
  const auto& bits = field("bits");
  if (!bits.is_number_integer()) throw Error(w + ": field 'bits' must be an integer");
  s.bits = bits.get<int>();
  const auto& gran = field("granularity");
  auto g = gran.is_string() ? granularityFromName(gran.get<std::string>()) : std::nullopt;
  if (!g) throw Error(w + ": field 'granularity' must be per-tensor, per-channel, per-group or per-token");
  s.granularity = *g;
  if (auto it = j.find("group_size"); it != j.end()) {
    if (!it->is_number_integer()) throw Error(w + ": field 'group_size' must be an integer");
    s.groupSize = it->get<int64_t>();
  }
  const auto& sym = field("symmetric");
  if (!sym.is_boolean()) throw Error(w + ": field 'symmetric' must be true or false");
  s.symmetric = sym.get<bool>();
  if (auto it = j.find("zero_point"); it != j.end()) {
    auto z = it->is_string() ? zeroPointFromName(it->get<std::string>()) : std::nullopt;
    if (!z) throw Error(w + ": field 'zero_point' must be \"reference\" or \"gptq\"");
    s.zeroPoint = *z;
  }
  s.validate(what);
  return s;
}

}  // namespace qs
