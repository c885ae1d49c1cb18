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
constexpr std::array<std::pair<NumberFormat, std::string_view>, 8> kFormatNames{{
    {NumberFormat::Int, "int"},
    {NumberFormat::Fp8E4M3, "fp8e4m3"},
    {NumberFormat::Fp8E5M2, "fp8e5m2"},
    {NumberFormat::Nf4, "nf4"},
    {NumberFormat::MxFp4, "mxfp4"},
    {NumberFormat::MxFp6, "mxfp6"},
    {NumberFormat::MxFp6E3M2, "mxfp6e3m2"},
    {NumberFormat::MxInt8, "mxint8"},
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

QuantSpec QuantSpec::ofFormat(NumberFormat format, Granularity granularity, int64_t groupSize) {
  return QuantSpec{formatBits(format), granularity, groupSize, true, ZeroPoint::Reference, format}.normalized();
}

void QuantSpec::validate(std::string_view what) const {
  if (format != NumberFormat::Int) {
    if (bits != formatBits(format))
      throw Error(std::string(what) + ": " + std::string(formatName(format)) + " has " +
                  std::to_string(formatBits(format)) + "-bit elements, got bits " + std::to_string(bits));
    if (isMicroscaling(format) && (granularity != Granularity::PerGroup || groupSize != kMxBlock))
      throw Error(std::string(what) + ": " + std::string(formatName(format)) +
                  " uses blocks of 32 elements along the last dimension (per-group 32)");
  }
  if (bits != 16 && (bits < 2 || bits > 8))
    throw Error(std::string(what) + ": bits must be 2..8 or 16 (not quantized), got " +
                std::to_string(bits));
  if (granularity == Granularity::PerGroup && groupSize < 1)
    throw Error(std::string(what) + ": group size must be positive, got " + std::to_string(groupSize));
}

QuantSpec QuantSpec::normalized() const {
  if (!enabled()) return off();
  QuantSpec s = *this;
  if (s.format != NumberFormat::Int) {
    s.bits = formatBits(s.format);
    s.symmetric = true;  // sign-magnitude elements: no zero point
  }
  if (isMicroscaling(s.format)) {
    s.granularity = Granularity::PerGroup;
    s.groupSize = kMxBlock;
  }
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

std::string_view formatName(NumberFormat f) {
  for (const auto& [k, n] : kFormatNames)
    if (k == f) return n;
  return "?";
}

std::optional<NumberFormat> formatFromName(std::string_view name) {
  if (name == "mxfp6e2m3") return NumberFormat::MxFp6;
  for (const auto& [k, n] : kFormatNames)
    if (n == name) return k;
  return std::nullopt;
}

void to_json(nlohmann::json& j, const QuantSpec& spec) {
  j = nlohmann::json{{"bits", spec.bits},
                     {"granularity", granularityName(spec.granularity)},
                     {"group_size", spec.groupSize},
                     {"symmetric", spec.symmetric},
                     {"zero_point", zeroPointName(spec.zeroPoint)}};
  if (spec.format != NumberFormat::Int) j["format"] = formatName(spec.format);
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
  if (auto it = j.find("format"); it != j.end()) {
    auto f = it->is_string() ? formatFromName(it->get<std::string>()) : std::nullopt;
    if (!f) throw Error(w + ": field 'format' must be int, fp8e4m3, fp8e5m2, nf4, mxfp4, mxfp6, mxfp6e3m2 or mxint8");
    s.format = *f;
  }
  s.validate(what);
  return s;
}

}  // namespace qs
