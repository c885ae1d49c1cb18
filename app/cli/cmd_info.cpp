// quantscope-cli info: a model card, or the compute devices.
#include <cstdio>
#include <iostream>
#include <map>

#include "app/cli/command.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "quant/bits_per_weight.h"
#include "quant/quant_config.h"
#include "core/base/runtime.h"

namespace qs::cli {
namespace {

std::string positionName(const AttentionConfig& a) {
  switch (a.position) {
    case PositionKind::Rotary: {
      const bool partial = a.rotaryDim > 0 && a.rotaryDim < a.headDim;
      std::string notes = partial ? std::to_string(a.rotaryDim) + " of " + std::to_string(a.headDim) + " dims" : "";
      if (a.rotaryInterleaved) notes += std::string(notes.empty() ? "" : ", ") + "interleaved pairs";
      return std::string(partial ? "partial rotary" : "rotary") + (notes.empty() ? "" : " (" + notes + ")");
    }
    case PositionKind::Learned: return "learned positions";
    case PositionKind::Alibi: return "ALiBi";
  }
  return "?";
}

const char* normName(NormKind n) {
  switch (n) {
    case NormKind::RmsNorm: return "RMSNorm";
    case NormKind::RmsNormPlusOne: return "RMSNorm (1 + w)";
    case NormKind::LayerNorm: return "LayerNorm";
  }
  return "?";
}

// Which linear layers a configuration quantizes: the count, and the roles it leaves alone (the
// output head, MoE routers and the like by default, and what its rules exclude).
void printQuantCoverage(Model& model, const QuantConfig& config) {
  std::map<std::string, int> kept;
  int selected = 0, total = 0;
  for (const auto& lw : model.linearWeights()) {
    ++total;
    if (config.selectsLinear(lw.layer, lw.role))
      ++selected;
    else
      ++kept[std::string(roleName(lw.role))];
  }
  std::string notes;
  for (const auto& [role, n] : kept) notes += (notes.empty() ? "" : ", ") + role + " x" + std::to_string(n);
  std::printf("quant       %s: %d of %d linear layers quantized%s%s\n", config.name().c_str(), selected, total,
              notes.empty() ? "" : "; not quantized: ", notes.c_str());
  std::printf("            %.4g bits per weight over the linear layers (scales and zero points included)\n",
              bitsPerWeight(config, linearShapes(model)));
  if (config.kv.enabled() && !model.capabilities().hasKvCache)
    std::printf("            KV-cache quantization does not apply: %s has no KV cache\n",
                std::string(familyName(model.family())).c_str());
}

int runInfo(const std::vector<std::string>& argv) {
  Args args(argv, {"device", "quant"}, {"devices"});
  if (args.helpRequested()) {
    std::cout << commands().at("info").help;
    return kOk;
  }
  if (args.has("devices")) {
    for (const auto& d : availableDevices()) std::cout << d.name << "\t" << d.description << "\n";
    if (!cudaAvailable())
      std::cout << "cuda\tnot available (libtorch " << libtorchVersion() << " has no CUDA support here)\n";
#ifdef QS_HAVE_CUDA_KERNELS
    std::cout << "kernels\tCPU fused; CUDA fused (compiled with nvcc)\n";
#else
    std::cout << "kernels\tCPU fused (no CUDA toolkit at build time)\n";
#endif
    return kOk;
  }
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder (or --devices)");
  LoadOptions options;
  options.device = args.value("device", "cpu");
  auto model = Model::load(args.positional()[0], options);
  const auto& c = model->config();
  std::printf("model       %s\n", model->directory().string().c_str());
  const auto& a = c.attention;
  std::printf("family      %s (model_type %s): %s\n", std::string(familyName(c.family)).c_str(), c.modelType.c_str(),
              c.family ? std::string(c.family->description).c_str() : "");
  std::printf("parameters  %lld (%.1f M)\n", static_cast<long long>(model->parameterCount()),
              model->parameterCount() / 1e6);
  std::printf("dtype       stored %s, compute %s on %s\n", model->storedDtype().c_str(),
              c10::toString(model->dtype()), model->device().str().c_str());
  std::printf("layers      %d\n", c.numLayers);
  if (a.numHeads > 0)
    std::printf("attention   %d heads (kv %d, head dim %d), %s%s%s\n", a.numHeads, a.numKvHeads, a.headDim,
                positionName(a).c_str(), a.slidingWindow > 0 ? (", sliding window " + std::to_string(a.slidingWindow)).c_str() : "",
                a.qkvLayout != QkvLayout::Separate ? ", fused qkv (split at load)" : "");
  std::printf("hidden      %d, mlp %d (%s%s), %s\n", c.hiddenSize, c.mlp.intermediateSize, c.mlp.gated ? "gated " : "",
              c.mlp.activation.c_str(), normName(c.layout.norm));
  const auto caps = model->capabilities();
  std::printf("vocab       %d, context %s%s\n", c.vocabSize,
              c.maxPositions > 0 ? std::to_string(c.maxPositions).c_str() : "no limit of its own",
              caps.hasKvCache ? ", KV cache" : ", no KV cache");
  std::printf("memory      %.1f MiB of weights in the compute dtype\n", model->weightBytes() / 1048576.0);
  for (const auto& t : model->nonFiniteWeights())
    std::printf("non-finite  %s: %lld NaN/Inf values (sweeps refuse this model without --allow-nonfinite)\n",
                t.name.c_str(), static_cast<long long>(t.count));
  if (args.has("quant")) printQuantCoverage(*model, QuantConfig::parse(args.value("quant", "")));
  return kOk;
}

const CommandRegistrar kRegister{{
    "info",
    "show a model card (family, parameters, dtype, layers, memory) or the devices",
    "usage: quantscope-cli info MODEL [--device cpu|cuda] [--quant CONFIG]\n"
    "       quantscope-cli info --devices\n\n"
    "Loads the Hugging Face folder MODEL and prints its family, parameter count, stored and compute\n"
    "dtypes, layers, attention shape, vocabulary, context length and weight memory.\n"
    "--quant CONFIG also says how many linear layers CONFIG quantizes and which it leaves alone\n"
    "(lm_head and mixture-of-experts routers unless a rule includes them), and its bits per weight\n"
    "over the linear layers, scales and zero points included (16 for those left unquantized).\n"
    "--devices lists the compute devices and which fused quantization kernels this build has.\n",
    runInfo,
}};

}  // namespace
}  // namespace qs::cli
