#pragma once
// Model families. A family is one file, core/model/families/<name>.cpp, that defines one Family:
// its config.json reader, its tensor plan and how its model is built (the shared decoder in
// core/model/decoder.h, configured by the reader's layout switches, or a forward of its own).
// core/model/family_registry.cpp lists every family in one explicit table (no static
// self-registration: static libraries drop unreferenced registrars).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/tensor_plan.h"

namespace qs {

class ConfigReader;
class Model;
struct ModelConfig;
class LoadedWeights;

struct Family {
  std::string_view name;  // "llama", "opt", ...: stored with runs, shown by info
  // config.json model_type values (aliases included: Falcon's "RefinedWeb", ...).
  std::vector<std::string_view> modelTypes;
  std::string_view description;  // checkpoints it covers, for info and the workbench
  // Fills the family's sections of the config from config.json (the common part is read already).
  void (*readConfig)(const ConfigReader& reader, ModelConfig& config);
  // Writes the family's config.json keys (for random-weight checkpoints and the demo trainer).
  void (*writeConfig)(const ModelConfig& config, nlohmann::json& out);
  // Every tensor the configuration implies.
  TensorPlan (*plan)(const ModelConfig& config);
  // Builds the model from the loaded plan; nullptr = the shared decoder (core/model/decoder.h).
  std::unique_ptr<Model> (*build)(std::filesystem::path dir, ModelConfig config, LoadedWeights weights,
                                  c10::Device device, c10::ScalarType dtype) = nullptr;
};

// Every family, in the registry's order.
const std::vector<const Family*>& allFamilies();
// The family of a config.json model_type; nullptr when unknown.
const Family* familyFromModelType(std::string_view modelType);
// The family called `name` ("llama"); throws qs::Error naming the known ones.
const Family& familyByName(std::string_view name);
// The model_type values QuantScope can load, for error messages and help.
std::string supportedModelTypes();
std::string_view familyName(const Family* family);  // "?" for nullptr

}  // namespace qs
