// quantscope-cli info: a model card, or the compute devices.
#include <cstdio>
#include <iostream>

#include "app/cli/command.h"
#include "core/model/model.h"
#include "core/base/runtime.h"

namespace qs::cli {
namespace {

int runInfo(const std::vector<std::string>& argv) {
  Args args(argv, {"device"}, {"devices"});
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
  std::printf("family      %s (model_type %s)\n", std::string(familyName(c.family)).c_str(), c.modelType.c_str());
  std::printf("parameters  %lld (%.1f M)\n", static_cast<long long>(model->parameterCount()),
              model->parameterCount() / 1e6);
  std::printf("dtype       stored %s, compute %s on %s\n", model->storedDtype().c_str(),
              c10::toString(model->dtype()), model->device().str().c_str());
  std::printf("layers      %d\n", c.numLayers);
  std::printf("hidden      %d, heads %d (kv %d, head dim %d), mlp %d\n", c.hiddenSize, c.numHeads, c.numKvHeads,
              c.headDim, c.intermediateSize);
  std::printf("vocab       %d, context %d\n", c.vocabSize, c.maxPositions);
  std::printf("memory      %.1f MiB of weights in the compute dtype\n", model->weightBytes() / 1048576.0);
  return kOk;
}

const CommandRegistrar kRegister{{
    "info",
    "show a model card (family, parameters, dtype, layers, memory) or the devices",
    "usage: quantscope-cli info MODEL [--device cpu|cuda]\n"
    "       quantscope-cli info --devices\n\n"
    "Loads the Hugging Face folder MODEL and prints its family, parameter count, stored and compute\n"
    "dtypes, layers, attention shape, vocabulary, context length and weight memory.\n"
    "--devices lists the compute devices and which fused quantization kernels this build has.\n",
    runInfo,
}};

}  // namespace
}  // namespace qs::cli
