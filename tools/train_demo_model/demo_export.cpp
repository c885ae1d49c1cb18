#include "tools/train_demo_model/demo_export.h"

#include <ATen/ATen.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/model/model.h"
#include "core/checkpoint/safetensors.h"
#include "core/model/tensor_layout.h"
#include "core/tokenizer/tokenizer.h"
#include "tools/train_demo_model/byte_level_bpe.h"
#include "tools/train_demo_model/trainable_model.h"

namespace qs::demo {
namespace {

void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  if (!out) throw Error(path.string() + ": cannot write");
  out << text << "\n";
}

}  // namespace

void writeModelFolder(const TrainableModel& model, const ByteLevelBpe& bpe, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto& c = model.config();
  writeText(dir / "config.json", toHfConfigJson(c));
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, t] : model.named()) tensors.emplace_back(name, t.detach().contiguous());
  writeSafetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
  nlohmann::ordered_json gen{{"bos_token_id", c.bosTokenId}, {"eos_token_id", c.eosTokenId}, {"do_sample", false}};
  writeText(dir / "generation_config.json", gen.dump(2));
  bpe.writeHuggingFace(dir, c.maxPositions);
}

ExportCheck verifyModelFolder(const TrainableModel& model, const ByteLevelBpe& bpe, const std::filesystem::path& dir,
                              const at::Tensor& batch, const std::vector<std::string>& texts, double tolerance) {
  at::NoGradGuard noGrad;
  ExportCheck check;
  auto loaded = Model::load(dir);
  auto expected = model.forward(batch);
  auto actual = loaded->forward(batch);
  if (actual.sizes() != expected.sizes())
    throw Error(dir.string() + ": the loaded model's logits have another shape than the trainer's");
  check.maxLogitDiff = (actual - expected).abs().max().item<double>();
  if (!(check.maxLogitDiff <= tolerance))
    throw Error(dir.string() + ": the loaded model's logits differ from the trainer's by " +
                std::to_string(check.maxLogitDiff) + " (tolerance " + std::to_string(tolerance) + ")");

  auto tokenizer = Tokenizer::load(dir);
  for (const auto& text : texts) {
    std::vector<int> want{bpe.endOfTextId()};
    for (int id : bpe.encode(text)) want.push_back(id);
    if (tokenizer->encode(text, true) != want)
      throw Error(dir.string() + ": qs::Tokenizer encodes \"" + text.substr(0, 60) + "...\" differently from the trainer");
    ++check.tokenizerTextsChecked;
  }
  return check;
}

}  // namespace qs::demo
