#pragma once
// Writing the trained demo model as a Hugging Face folder, and proving that the folder, loaded by
// QuantScope's ordinary loaders, is the model that was trained.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <vector>

namespace qs::demo {

class ByteLevelBpe;
class TrainableModel;

// config.json (qs::toHfConfigJson), model.safetensors (qs::writeSafetensors, names from
// qs::tensorLayout), generation_config.json, tokenizer.json, tokenizer_config.json,
// special_tokens_map.json.
void writeModelFolder(const TrainableModel& model, const ByteLevelBpe& bpe, const std::filesystem::path& dir);

struct ExportCheck {
  double maxLogitDiff = 0;      // qs::Model::load(dir) vs the trainer's forward on `batch`
  int tokenizerTextsChecked = 0;
};

// Loads dir with qs::Model::load and qs::Tokenizer::load. Throws qs::Error when the logits on
// `batch` [B, T] differ from the trainer's by more than tolerance, or when the tokenizer's ids for
// any of `texts` differ from BOS + the trainer's encoding.
ExportCheck verifyModelFolder(const TrainableModel& model, const ByteLevelBpe& bpe, const std::filesystem::path& dir,
                              const at::Tensor& batch, const std::vector<std::string>& texts, double tolerance);

}  // namespace qs::demo
