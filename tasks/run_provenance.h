#pragma once
// What a stored run records about where and how it ran, and the per-model files a sweep keeps
// beside its database.
#include <filesystem>
#include <string>

namespace qs {

class Model;

// "cpu (2 threads)" or "cuda:0".
std::string describeDevice(const Model& model);
// {"quantscope": ..., "libtorch": ..., "blas": ..., "compiler": ...} as JSON text.
std::string softwareVersionsJson();
// The full QuantConfig of a canonical name as JSON text, with "bits_per_weight" over the model's
// linear layers (scales and zero points included; quant/bits_per_weight.h).
std::string quantConfigJson(const std::string& canonicalName, Model& model);
// The fingerprint of a Hugging Face folder (config.json + weight index), without loading weights.
std::string fingerprintModel(const std::filesystem::path& modelDir);
// <database>.baselines/<fingerprint>: the unquantized model's logits and answers, reused by
// later runs of quantized configurations (also across resumed sweeps).
std::filesystem::path baselineCacheDir(const std::filesystem::path& database, const std::string& fingerprint);

}  // namespace qs
