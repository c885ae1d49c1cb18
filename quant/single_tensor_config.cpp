#include "quant/single_tensor_config.h"

#include "core/base/error.h"

namespace qs {

void requireSingleTensorBase(const QuantConfig& base) {
  const std::string name = "'" + base.name() + "'";
  if (!base.weight.enabled() && !base.activation.enabled())
    throw Error("quant config " + name + " quantizes no linear (weights and activations are 16 bits)");
  if (base.kv.enabled())
    throw Error("quant config " + name + ": the KV cache is not a linear layer; scan it with KV16 (e.g. " +
                QuantConfig{base.weight, base.activation, QuantSpec::off(), base.method, {}}.name() + ")");
  if (!base.rules.empty())
    throw Error("quant config " + name + " has layer rules; give the plain configuration, the scan adds its own");
  if (base.method != "rtn")
    throw Error("quant config " + name + ": method " + base.method +
                " transforms several tensors together, so one tensor cannot be quantized alone; use rtn");
}

QuantConfig singleTensorConfig(const QuantConfig& base, int layer, TensorRole role) {
  requireSingleTensorBase(base);
  if (!isLinearRole(role)) throw Error("'" + std::string(roleName(role)) + "' is not a linear layer role");
  QuantConfig c = base;
  LayerRule everything;  // excl.all
  LayerRule one;
  one.include = true;
  one.role = role;
  one.firstLayer = layer;
  one.lastLayer = layer;
  c.rules = {everything, one};
  return c.normalized();
}

}  // namespace qs
