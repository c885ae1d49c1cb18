#include "core/model/model_config.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"

namespace qs {
namespace {

using nlohmann::json;

class ConfigReader {
 public:
  ConfigReader(const json& j, std::string file) : j_(j), file_(std::move(file)) {}

  int positiveInt(const char* key) const {
    auto v = optionalInt(key);
    if (!v) fail(std::string("missing required key \"") + key + "\"");
    if (*v <= 0) fail(std::string("\"") + key + "\" must be positive, got " + std::to_string(*v));
    return *v;
  }
  std::optional<int> optionalInt(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) fail(std::string("\"") + key + "\" must be an integer");
    return it->get<int>();
  }
  int intOr(const char* key, int fallback) const { return optionalInt(key).value_or(fallback); }
  // bos/eos may be an int or a list of ints (the first is used).
  int tokenId(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return -1;
    if (it->is_number_integer()) return it->get<int>();
    if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<int>();
    fail(std::string("\"") + key + "\" must be an integer or a list of integers");
  }
  double numberOr(const char* key, double fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_number()) fail(std::string("\"") + key + "\" must be a number");
    return it->get<double>();
  }
  bool boolOr(const char* key, bool fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(std::string("\"") + key + "\" must be true or false");
    return it->get<bool>();
  }
  std::string stringOr(const char* key, const std::string& fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_string()) fail(std::string("\"") + key + "\" must be a string");
    return it->get<std::string>();
  }
  [[noreturn]] void fail(const std::string& what) const { throw Error(file_ + ": " + what); }
  const json& raw() const { return j_; }

 private:
  const json& j_;
  std::string file_;
};

void readRopeScaling(const ConfigReader& r, ModelConfig& c) {
  auto it = r.raw().find("rope_scaling");
  if (it == r.raw().end() || it->is_null()) return;
  if (!it->is_object()) r.fail("\"rope_scaling\" must be an object or null");
  std::string type = it->value("type", it->value("rope_type", std::string()));
  double factor = it->value("factor", 1.0);
  if (type == "linear") {
    if (factor <= 0) r.fail("rope_scaling.factor must be positive");
    c.ropeLinearScale = factor;
  } else if (type != "default" && !type.empty()) {
    r.fail("rope_scaling type \"" + type + "\" is not supported (supported: linear)");
  }
}

}  // namespace

ModelConfig ModelConfig::load(const std::filesystem::path& configJson) {
  const std::string file = configJson.string();
  std::ifstream in(configJson);
  if (!in) throw Error(file + ": cannot open (is this a Hugging Face model folder?)");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(file + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(file + ": expected a JSON object");
  ConfigReader r(j, file);

  ModelConfig c;
  c.modelType = r.stringOr("model_type", "");
  auto family = familyFromModelType(c.modelType);
  if (!family)
    r.fail("unknown architecture: model_type \"" + c.modelType + "\" (supported: " +
           supportedModelTypes() + ")");
  c.family = *family;
  c.hiddenSize = r.positiveInt("hidden_size");
  c.numLayers = r.positiveInt("num_hidden_layers");
  c.numHeads = r.positiveInt("num_attention_heads");
  c.numKvHeads = r.intOr("num_key_value_heads", c.numHeads);
  c.vocabSize = r.positiveInt("vocab_size");
  c.maxPositions = r.positiveInt("max_position_embeddings");
  c.bosTokenId = r.tokenId("bos_token_id");
  c.eosTokenId = r.tokenId("eos_token_id");
  c.padTokenId = r.tokenId("pad_token_id");
  c.torchDtype = r.stringOr("torch_dtype", "float32");

  switch (c.family) {
    case Family::Llama:
      c.intermediateSize = r.positiveInt("intermediate_size");
      c.headDim = r.intOr("head_dim", c.hiddenSize / c.numHeads);
      c.normEps = r.numberOr("rms_norm_eps", 1e-6);
      c.ropeTheta = r.numberOr("rope_theta", 10000.0);
      c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", false);
      c.attentionBias = r.boolOr("attention_bias", false);
      c.mlpBias = r.boolOr("mlp_bias", false);
      c.activation = r.stringOr("hidden_act", "silu");
      readRopeScaling(r, c);
      break;
    case Family::Opt:
      c.intermediateSize = r.positiveInt("ffn_dim");
      c.headDim = c.hiddenSize / c.numHeads;
      c.normEps = 1e-5;  // OPT's LayerNorms use PyTorch's default eps
      c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", true);
      c.attentionBias = c.mlpBias = r.boolOr("enable_bias", true);
      c.activation = r.stringOr("activation_function", "relu");
      c.doLayerNormBefore = r.boolOr("do_layer_norm_before", true);
      c.wordEmbedProjDim = r.intOr("word_embed_proj_dim", c.hiddenSize);
      if (c.wordEmbedProjDim != c.hiddenSize)
        r.fail("word_embed_proj_dim " + std::to_string(c.wordEmbedProjDim) + " != hidden_size " +
               std::to_string(c.hiddenSize) + " (OPT-350m's project_in/out) is not supported yet");
      if (r.boolOr("_remove_final_layer_norm", false))
        r.fail("_remove_final_layer_norm is not supported");
      break;
  }
  if (c.numKvHeads <= 0 || c.numHeads % c.numKvHeads != 0)
    r.fail("num_attention_heads " + std::to_string(c.numHeads) +
           " is not a multiple of num_key_value_heads " + std::to_string(c.numKvHeads));
  if (c.headDim <= 0 || (c.family == Family::Opt && c.headDim * c.numHeads != c.hiddenSize))
    r.fail("hidden_size " + std::to_string(c.hiddenSize) + " is not divisible by num_attention_heads");
  if (c.headDim % 2 != 0 && c.family == Family::Llama) r.fail("head_dim must be even for rotary embeddings");
  return c;
}

}  // namespace qs
