#include "tasks/model_backend.h"

#include <ATen/ATen.h>

#include "core/base/error.h"

namespace qs {
namespace {

// The model's decode state (a KV cache, or a state-space model's conv and SSM states).
struct CacheState : LmState {
  std::unique_ptr<DecodeState> state;
  explicit CacheState(std::unique_ptr<DecodeState> s) : state(std::move(s)) {}

  std::unique_ptr<LmState> selectRows(const std::vector<int64_t>& rows) const override {
    return std::make_unique<CacheState>(state->selectRows(at::tensor(rows, at::kLong)));
  }
};

}  // namespace

ModelBackend::ModelBackend(Model& model, const Tokenizer& tokenizer, int64_t maxLength)
    : model_(&model), tokenizer_(&tokenizer) {
  maxLength_ = maxLength > 0 ? maxLength : model.capabilities().contextLimit;
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

std::unique_ptr<LmState> ModelBackend::newState() const {
  return std::make_unique<CacheState>(model_->makeState());
}

at::Tensor ModelBackend::forward(const at::Tensor& ids, const at::Tensor& mask, LmState* state) {
  DecodeState* decode = state ? static_cast<CacheState*>(state)->state.get() : nullptr;
  return model_->forward(ids, mask, decode);
}

std::string ModelBackend::describe() const {
  return model_->directory().filename().string() + " (" + model_->config().modelType + ", " +
         std::to_string(model_->parameterCount()) + " params, " + model_->device().str() + " " +
         std::string(c10::toString(model_->dtype())) + ")";
}

}  // namespace qs
