#include "core/model/model_config.h"
#include "core/base/json_text.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/model/config_reader.h"
#include "core/model/family.h"

namespace qs {
namespace {

// Checks what every attention family's forward relies on, after the family's reader ran.
void checkAttention(const ConfigReader& r, const ModelConfig& c) {
  const auto& a = c.attention;
  if (a.numHeads <= 0) return;  // no attention blocks
  if (a.numKvHeads <= 0 || a.numHeads % a.numKvHeads != 0)
    r.fail("the number of attention heads " + std::to_string(a.numHeads) +
           " is not a multiple of the number of key/value heads " + std::to_string(a.numKvHeads));
  if (a.headDim <= 0) r.fail("head dimension must be positive, got " + std::to_string(a.headDim));
  if (a.position == PositionKind::Rotary) {
    const int rot = a.rotaryDim > 0 ? a.rotaryDim : a.headDim;
    if (rot % 2 != 0 || rot > a.headDim)
      r.fail("rotary dimension " + std::to_string(rot) + " must be even and at most the head dimension " +
             std::to_string(a.headDim));
  }
  if (a.position == PositionKind::Learned && c.maxPositions <= 0)
    r.fail("a learned position table needs max_position_embeddings");
}

}  // namespace

ModelConfig ModelConfig::load(const std::filesystem::path& configJson) {
  const std::string file = configJson.string();
  std::ifstream in(configJson);
  if (!in) throw Error(file + ": cannot open (is this a Hugging Face model folder?)");
  std::ostringstream text;
  text << in.rdbuf();
  return fromJson(parseJson(text.str(), file), file);
}

ModelConfig ModelConfig::fromJson(const nlohmann::json& j, const std::string& file) {
  if (!j.is_object()) throw Error(file + ": expected a JSON object");
  ConfigReader r(j, file);

  ModelConfig c;
  c.modelType = r.stringOr("model_type", "");
  c.family = familyFromModelType(c.modelType);
  if (!c.family)
    r.fail("unknown architecture: model_type \"" + c.modelType + "\" (supported: " + supportedModelTypes() + ")");
  // Families with another spelling (ChatGLM's padded_vocab_size) set it in their reader.
  c.vocabSize = r.intOr("vocab_size", 0);
  c.bosTokenId = r.tokenId("bos_token_id");
  c.eosTokenId = r.tokenId("eos_token_id");
  c.padTokenId = r.tokenId("pad_token_id");
  c.torchDtype = r.stringOr("torch_dtype", "float32");
  c.family->readConfig(r, c);
  if (c.hiddenSize <= 0 || c.numLayers <= 0)
    r.fail("the " + std::string(c.family->name) + " reader found no hidden size or layer count");
  if (c.vocabSize <= 0) r.fail("missing required key \"vocab_size\" (or it is not positive)");
  // Ids past the vocabulary would index outside the embedding at the first generated token.
  for (auto [key, id] : {std::pair{"bos_token_id", c.bosTokenId}, {"eos_token_id", c.eosTokenId}, {"pad_token_id", c.padTokenId}})
    if (id >= c.vocabSize)
      r.fail("\"" + std::string(key) + "\" " + std::to_string(id) + " is outside the vocabulary of " +
             std::to_string(c.vocabSize) + " tokens");
  static const char* const kDtypes[] = {"float32", "float16", "bfloat16", "float64", "auto"};
  if (std::find(std::begin(kDtypes), std::end(kDtypes), c.torchDtype) == std::end(kDtypes))
    r.fail("\"torch_dtype\" \"" + c.torchDtype + "\" is not a dtype (float32, float16, bfloat16, float64, auto)");
  if (c.moe.numExperts > 0 && (c.moe.topK <= 0 || c.moe.topK > c.moe.numExperts))
    r.fail("experts per token " + std::to_string(c.moe.topK) + " must be between 1 and the " +
           std::to_string(c.moe.numExperts) + " experts");
  checkAttention(r, c);
  return c;
}

}  // namespace qs
