#include "tasks/model_backend.h"

#include <ATen/ATen.h>

#include "core/error.h"

namespace qs {
namespace {

struct CacheState : LmState {
  KvCache cache;
  explicit CacheState(KvCache c) : cache(std::move(c)) {}
  std::unique_ptr<LmState> clone() const override { return std::make_unique<CacheState>(cache); }
};

}  // namespace

ModelBackend::ModelBackend(Model& model, const Tokenizer& tokenizer, int64_t maxLength)
    : model_(&model), tokenizer_(&tokenizer) {
  maxLength_ = maxLength > 0 ? maxLength : model.config().maxPositions;
  if (maxLength_ < 2) throw Error(model.directory().string() + ": max_position_embeddings is missing or below 2");
}

std::unique_ptr<ModelBackend> ModelBackend::load(const std::filesystem::path& dir, const LoadOptions& options,
                                                 const std::filesystem::path& tokenizerDir) {
  auto tokenizer = Tokenizer::load(tokenizerDir.empty() ? dir : tokenizerDir);
  auto model = Model::load(dir, options);
  auto backend = std::make_unique<ModelBackend>(*model, *tokenizer);
  backend->ownedModel_ = std::move(model);
  backend->ownedTokenizer_ = std::move(tokenizer);
  return backend;
}

std::vector<int> ModelBackend::encode(std::string_view text) const { return tokenizer_->encode(text, false); }

std::string ModelBackend::decode(const std::vector<int>& ids) const { return tokenizer_->decode(ids, true); }

std::unique_ptr<LmState> ModelBackend::newState() const { return std::make_unique<CacheState>(model_->makeCache()); }

at::Tensor ModelBackend::forward(const at::Tensor& ids, const at::Tensor& mask, LmState* state) {
  KvCache* cache = state ? &static_cast<CacheState*>(state)->cache : nullptr;
  return model_->forward(ids, mask, cache);
}

std::string ModelBackend::describe() const {
  return model_->directory().filename().string() + " (" + model_->config().modelType + ", " +
         std::to_string(model_->parameterCount()) + " params, " + model_->device().str() + " " +
         std::string(c10::toString(model_->dtype())) + ")";
}

}  // namespace qs
