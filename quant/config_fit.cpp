#include "quant/config_fit.h"

#include <map>
#include <tuple>

#include "core/model/family.h"
#include "core/model/tensor_layout.h"
#include "quant/number_formats.h"
#include "quant/quantized_model.h"

namespace qs {
namespace {

// The length of the runs a spec groups a last dimension into; 0 when any length fits.
int64_t groupLength(const QuantSpec& spec) {
  if (!spec.enabled()) return 0;
  if (isMicroscaling(spec.format)) return kMxBlock;
  return spec.granularity == Granularity::PerGroup ? spec.groupSize : 0;
}

std::string groupWord(const QuantSpec& spec) {
  return isMicroscaling(spec.format) ? "the MX block of " + std::to_string(kMxBlock)
                                     : "group " + std::to_string(spec.groupSize);
}

}  // namespace

std::vector<std::string> configFitProblems(const ModelConfig& model, const QuantConfig& config) {
  // (role, what, dimension, group text) -> layers: one line for the same problem in every layer.
  std::map<std::tuple<std::string, std::string, int64_t, std::string>, int> problems;
  for (const auto& t : tensorLayout(model)) {
    if (t.isBias || t.shape.size() != 2 || !isLinearRole(t.role)) continue;
    const int64_t in = t.shape[1];
    if (const auto w = config.weightSpecFor(t.layer, t.role)) {
      const int64_t g = groupLength(*w);
      if (g > 0 && in % g != 0) ++problems[{std::string(roleName(t.role)), "weights", in, groupWord(*w)}];
    }
    if (config.activation.enabled() && config.selectsLinear(t.layer, t.role)) {
      const int64_t g = groupLength(config.activation);
      if (g > 0 && in % g != 0)
        ++problems[{std::string(roleName(t.role)), "inputs", in, groupWord(config.activation)}];
    }
  }
  std::vector<std::string> out;
  for (const auto& [key, count] : problems) {
    const auto& [role, what, dim, group] = key;
    out.push_back(role + " " + what + " (" + std::to_string(count) + (count == 1 ? " tensor" : " tensors") + "): " +
                  group + " does not divide their input dimension " + std::to_string(dim));
  }
  if (config.kv.enabled()) {
    if (!model.hasKvCache()) {
      out.push_back("the KV cache: " + std::string(familyName(model.family)) + " has none");
    } else {
      const int64_t headDim = model.attention.headDim;
      const QuantSpec kv = kvSpecForHeadDim(config.kv, headDim);
      const int64_t g = groupLength(kv);
      if (g > 0 && headDim % g != 0)
        out.push_back("keys and values: " + groupWord(kv) + " does not divide the head dimension " +
                      std::to_string(headDim));
    }
  }
  if (config.method == "quarot" && model.layout.norm == NormKind::LayerNorm)
    out.push_back("quarot needs RMSNorm: " + std::string(familyName(model.family)) + " uses LayerNorm");
  return out;
}

}  // namespace qs
