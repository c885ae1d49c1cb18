#include "tasks/run_provenance.h"

#include <ATen/ATen.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/checkpoint/checkpoint.h"
#include "core/base/error.h"
#include "core/model/model.h"
#include "core/checkpoint/model_fingerprint.h"
#include "core/base/runtime.h"
#include "quant/bits_per_weight.h"
#include "quant/quant_config.h"

namespace qs {

std::string describeDevice(const Model& model) {
  // The scores depend on the compute dtype (half-precision logits differ from float32 ones): it is
  // named for a GPU, and on the CPU when it is not the default float32.
  const std::string dtype = c10::toString(model.dtype());
  if (model.device().is_cpu())
    return "cpu (" + std::to_string(computeThreads()) + " threads)" + (model.dtype() == at::kFloat ? "" : " " + dtype);
  return model.device().str() + " " + dtype;
}

std::string softwareVersionsJson() {
  nlohmann::json j;
  j["quantscope"] = QS_VERSION;
  j["libtorch"] = libtorchVersion();
  j["blas"] = blasDescription();
  j["compiler"] = std::string("gcc ") + __VERSION__;
  return j.dump();
}

std::string quantConfigJson(const std::string& canonicalName, Model& model) {
  const QuantConfig config = QuantConfig::parse(canonicalName);
  nlohmann::json j;
  to_json(j, config);
  j["bits_per_weight"] = bitsPerWeight(config, linearShapes(model));
  return j.dump();
}

std::string fingerprintModel(const std::filesystem::path& modelDir) {
  std::ifstream in(modelDir / "config.json", std::ios::binary);
  if (!in) throw Error((modelDir / "config.json").string() + ": cannot open");
  std::ostringstream config;
  config << in.rdbuf();
  const Checkpoint ckpt = Checkpoint::open(modelDir);
  std::vector<WeightSignature> weights;
  for (const auto& name : ckpt.names()) {
    at::Tensor t = ckpt.tensor(name);  // a view of the mapping: no data is read
    std::string dtype = t.scalar_type() == at::kFloat      ? "F32"
                        : t.scalar_type() == at::kHalf     ? "F16"
                        : t.scalar_type() == at::kBFloat16 ? "BF16"
                                                           : std::string(c10::toString(t.scalar_type()));
    weights.push_back({name, dtype, t.sizes().vec()});
  }
  return modelFingerprint(config.str(), std::move(weights));
}

std::filesystem::path baselineCacheDir(const std::filesystem::path& database, const std::string& fingerprint) {
  return std::filesystem::path(database.string() + ".baselines") / fingerprint.substr(0, 16);
}

}  // namespace qs
