#pragma once
// The language model as the request engine sees it: a tokenizer and a batched forward pass with
// an incremental state (the KV cache). The real one wraps qs::Model + qs::Tokenizer
// (tasks/model_backend.h); unit tests use a deterministic fake.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// Incremental decoding state of one batch (the KV cache).
class LmState {
 public:
  virtual ~LmState() = default;
  // An independent state holding the given batch rows of this one, in that order (rows may
  // repeat); continuing it must not change this state. Prefix sharing runs each context once and
  // continues one selected row per candidate continuation.
  virtual std::unique_ptr<LmState> selectRows(const std::vector<int64_t>& rows) const = 0;
};

class LmBackend {
 public:
  virtual ~LmBackend() = default;

  // Plain text -> ids, without BOS/EOS.
  virtual std::vector<int> encode(std::string_view text) const = 0;
  virtual std::string decode(const std::vector<int>& ids) const = 0;
  virtual int bosId() const = 0;  // -1 when the tokenizer has none
  virtual int eosId() const = 0;  // -1 when the tokenizer has none
  // Whether the tokenizer's own configuration prepends BOS (the default BOS policy).
  virtual bool addsBos() const = 0;
  // The longest sequence the model accepts (its position table / trained context).
  virtual int64_t maxLength() const = 0;

  virtual std::unique_ptr<LmState> newState() const = 0;
  // ids, mask: [B, S] int64 on the CPU; mask 1 = token, 0 = padding (left or right). With a state,
  // the new tokens follow everything already in it. Returns float32 logits [B, S, V] on the
  // backend's device.
  virtual at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask, LmState* state) = 0;

  // One line for results ("llama 4.4M params, cpu float32").
  virtual std::string describe() const = 0;
  // The Hugging Face folder the model came from (its chat template is recognised there); empty
  // when there is none.
  virtual std::filesystem::path modelDirectory() const { return {}; }
};

}  // namespace qs
