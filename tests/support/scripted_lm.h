#pragma once
// A fake language model that answers every prompt with the same text (byte tokens, then EOS) and
// records the prompts it was given: for tests of generation tasks, dialogue turns and judges.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/fake_lm.h"

namespace qs::test {

class ScriptedLm : public FakeLm {
 public:
  explicit ScriptedLm(std::string script) : FakeLm(8192), script_(std::move(script)) {}
  struct State : LmState {
    int64_t produced = -1;
    std::unique_ptr<LmState> selectRows(const std::vector<int64_t>&) const override {
      return std::make_unique<State>(*this);
    }
  };
  std::unique_ptr<LmState> newState() const override { return std::make_unique<State>(); }
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask, LmState* state) override {
    auto* st = static_cast<State*>(state);
    const int64_t B = ids.size(0), S = ids.size(1);
    if (st->produced < 0) {
      for (int64_t b = 0; b < B; ++b) {
        std::vector<int> row;
        for (int64_t s = 0; s < S; ++s)
          if (mask[b][s].item<int64_t>()) row.push_back(static_cast<int>(ids[b][s].item<int64_t>()));
        prompts.push_back(decode(row));
      }
    }
    st->produced += 1;
    int next = st->produced < static_cast<int64_t>(script_.size())
                   ? static_cast<unsigned char>(script_[st->produced]) + 3 : eosId();
    auto logits = at::zeros({B, S, kVocab});
    logits.select(2, next).fill_(10.0);
    return logits;
  }
  std::vector<std::string> prompts;  // each prompt as first seen, in order

 private:
  std::string script_;
};

}  // namespace qs::test
