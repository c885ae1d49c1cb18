#pragma once
// The real LmBackend: a qs::Model and its qs::Tokenizer. The state is the model's decode state
// (KV cache or SSM state); selecting rows gathers those rows into a new state.
#include <filesystem>
#include <memory>

#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "tasks/lm_backend.h"

namespace qs {

class ModelBackend : public LmBackend {
 public:
  // Non-owning: the caller keeps model and tokenizer alive (the sweep runner re-quantizes the
  // model between runs). maxLength 0 = the model's max_position_embeddings.
  ModelBackend(Model& model, const Tokenizer& tokenizer, int64_t maxLength = 0);
  // Loads both from a Hugging Face folder (tokenizer from tokenizerDir when given).
  static std::unique_ptr<ModelBackend> load(const std::filesystem::path& dir, const LoadOptions& options = {},
                                            const std::filesystem::path& tokenizerDir = {});

  std::vector<int> encode(std::string_view text) const override;
  std::string decode(const std::vector<int>& ids) const override;
  int bosId() const override { return tokenizer_->bosId(); }
  int eosId() const override { return tokenizer_->eosId(); }
  bool addsBos() const override { return tokenizer_->addsBos(); }
  int64_t maxLength() const override { return maxLength_; }
  std::unique_ptr<LmState> newState() const override;
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask, LmState* state) override;
  std::string describe() const override;
  std::filesystem::path modelDirectory() const override { return model_->directory(); }

  Model& model() { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::unique_ptr<Model> ownedModel_;
  std::unique_ptr<Tokenizer> ownedTokenizer_;
  Model* model_;
  const Tokenizer* tokenizer_;
  int64_t maxLength_;
};

}  // namespace qs
