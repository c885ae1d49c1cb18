#pragma once
// A deterministic fake language model for engine tests. Tokens are bytes (id = byte + 3;
// 0 = pad, 1 = BOS, 2 = EOS). The next-token logits strongly favour "current byte + 1" (so
// "abc" continues with "d") plus a small term that depends on every earlier token and its
// position, so that a wrong cache, wrong positions or padding leaking into the result change
// the numbers. Each logit is a pure function of the token history: batching, padding side and
// prefix sharing give bit-identical results.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "tasks/lm_backend.h"

namespace qs::test {

class FakeLm : public LmBackend {
 public:
  static constexpr int kVocab = 259;

  explicit FakeLm(int64_t maxLength = 64, bool addBos = true) : maxLength_(maxLength), addBos_(addBos) {}

  struct State : LmState {
    at::Tensor hash;   // [B] double
    at::Tensor count;  // [B] double
    std::unique_ptr<LmState> selectRows(const std::vector<int64_t>& rows) const override {
      auto s = std::make_unique<State>();
      auto idx = at::tensor(rows, at::kLong);
      if (hash.defined()) s->hash = hash.index_select(0, idx);
      if (count.defined()) s->count = count.index_select(0, idx);
      return s;
    }
  };

  std::vector<int> encode(std::string_view text) const override {
    std::vector<int> ids;
    for (unsigned char c : text) ids.push_back(static_cast<int>(c) + 3);
    return ids;
  }
  std::string decode(const std::vector<int>& ids) const override {
    std::string s;
    for (int id : ids)
      if (id >= 3) s += static_cast<char>(id - 3);
    return s;
  }
  int bosId() const override { return 1; }
  int eosId() const override { return 2; }
  bool addsBos() const override { return addBos_; }
  int64_t maxLength() const override { return maxLength_; }
  std::unique_ptr<LmState> newState() const override { return std::make_unique<State>(); }
  std::string describe() const override { return "fake byte LM"; }

  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask, LmState* state) override {
    const int64_t B = ids.size(0), S = ids.size(1);
    if (S > maxLength_) throw std::runtime_error("fake LM: sequence longer than maxLength");
    auto* st = static_cast<State*>(state);
    auto m = mask.to(at::kDouble);
    auto h0 = st && st->hash.defined() ? st->hash : at::zeros({B}, at::kDouble);
    auto n0 = st && st->count.defined() ? st->count : at::zeros({B}, at::kDouble);
    if (st && st->count.defined() && (n0 + m.sum(1)).max().item<double>() > maxLength_)
      throw std::runtime_error("fake LM: cached sequence longer than maxLength");
    auto pos = n0.unsqueeze(1) + m.cumsum(1) - 1;                       // [B,S]
    auto contrib = ids.to(at::kDouble) * (pos + 1) * m;                 // [B,S]
    auto h = h0.unsqueeze(1) + contrib.cumsum(1);                       // [B,S]
    auto v = at::arange(kVocab, at::kDouble).view({1, 1, kVocab});      // [1,1,V]
    auto hm7 = at::fmod(h, 7.0).unsqueeze(2);
    auto hm = at::fmod(h, 1009.0).unsqueeze(2);
    auto noise = at::cos(0.37 * v * (1 + hm7) + 0.11 * hm + 0.05 * pos.unsqueeze(2)) * 0.5;
    auto next = at::remainder(ids + 1, kVocab).unsqueeze(2);            // [B,S,1]
    auto peak = at::zeros({B, S, kVocab}, at::kDouble).scatter_(2, next, 5.0);
    forwardTokens += mask.sum().item<int64_t>();
    forwardCalls += 1;
    if (st) {
      st->hash = h0 + contrib.sum(1);
      st->count = n0 + m.sum(1);
    }
    return (peak + noise).to(at::kFloat);
  }

  int64_t forwardTokens = 0;
  int64_t forwardCalls = 0;

 private:
  int64_t maxLength_;
  bool addBos_;
};

}  // namespace qs::test
