#include "tasks/model_backend.h"

#include <ATen/ATen.h>

#include "core/base/error.h"

namespace qs {
namespace {

struct CacheState : LmState {
  KvCache cache;
  int64_t kvHeads;
  int64_t headDim;
  at::TensorOptions options;
  CacheState(KvCache c, int64_t h, int64_t d, at::TensorOptions o)
      : cache(std::move(c)), kvHeads(h), headDim(d), options(o) {}

  // KvCache exposes its tensors only through append(): appending zero new positions returns the
  // cached K and V of a layer unchanged, which are then gathered row by row into a new cache.
  std::unique_ptr<LmState> selectRows(const std::vector<int64_t>& rows) const override {
    auto out = std::make_unique<CacheState>(KvCache(cache.numLayers()), kvHeads, headDim, options);
    if (cache.length() == 0) return out;
    KvCache source = cache;  // shallow: append() below replaces the copy's tensors, not ours
    const int64_t batch = cache.mask().size(0);
    auto idx = at::tensor(rows, at::kLong).to(cache.mask().device());
    auto none = at::empty({batch, kvHeads, 0, headDim}, options);
    for (int layer = 0; layer < cache.numLayers(); ++layer) {
      auto [k, v] = source.append(layer, none, none);
      out->cache.append(layer, k.index_select(0, idx.to(k.device())), v.index_select(0, idx.to(v.device())));
    }
    out->cache.commitStep(cache.mask().index_select(0, idx));
    return out;
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
  const auto& c = model_->config();
  const int64_t heads = c.attention.numKvHeads;
  const int64_t dim = c.attention.headDim;
  return std::make_unique<CacheState>(model_->makeCache(), heads, dim,
                                      at::TensorOptions().dtype(model_->dtype()).device(model_->device()));
}

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
