#include "tasks/logit_reference.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/base/error.h"
#include "core/checkpoint/safetensors.h"
#include "tasks/metrics.h"

namespace qs {
namespace {

struct Window {
  int64_t start;
  int64_t length;
};

std::vector<Window> windowsOf(int64_t tokens, int64_t window) {
  std::vector<Window> out;
  for (int64_t s = 0; s + 1 < tokens; s += window) out.push_back({s, std::min(window, tokens - s)});
  return out;
}

// Runs windows in batches; calls fn(first window index, log-softmax [n, L-1, V]) per batch of
// equal-length windows.
template <typename Fn>
void forEachBatch(LmBackend& lm, const std::vector<int>& tokens, int64_t window, int64_t maxBatchTokens, Fn fn) {
  auto ws = windowsOf(static_cast<int64_t>(tokens.size()), window);
  size_t i = 0;
  while (i < ws.size()) {
    const int64_t L = ws[i].length;
    int64_t rows = std::max<int64_t>(1, maxBatchTokens / L);
    size_t end = i;
    while (end < ws.size() && static_cast<int64_t>(end - i) < rows && ws[end].length == L) ++end;
    const int64_t n = static_cast<int64_t>(end - i);
    std::vector<int64_t> ids;
    for (size_t w = i; w < end; ++w)
      for (int64_t t = 0; t < L; ++t) ids.push_back(tokens[ws[w].start + t]);
    auto idT = at::from_blob(ids.data(), {n, L}, at::TensorOptions().dtype(at::kLong)).clone();
    auto logits = lm.forward(idT, at::ones_like(idT), nullptr);
    fn(i, at::log_softmax(logits.narrow(1, 0, L - 1).to(at::kFloat), -1));
    i = end;
  }
}

}  // namespace

LogitReference makeLogitReference(LmBackend& lm, const std::vector<int>& tokens, int64_t window,
                                  int64_t maxBatchTokens, const std::string& source) {
  if (tokens.size() < 2) throw Error(source + ": the KL text has fewer than two tokens");
  if (window < 2 || window > lm.maxLength())
    throw Error("KL reference window " + std::to_string(window) + " must be 2.." + std::to_string(lm.maxLength()));
  LogitReference ref;
  ref.tokens = tokens;
  ref.window = window;
  ref.source = source;
  std::vector<at::Tensor> parts;
  forEachBatch(lm, tokens, window, maxBatchTokens, [&](size_t, const at::Tensor& logp) {
    parts.push_back(logp.reshape({-1, logp.size(-1)}).to(at::kHalf).cpu());
  });
  ref.logprobs = at::cat(parts, 0).contiguous();
  return ref;
}

TaskResult compareToReference(LmBackend& lm, const LogitReference& ref, int64_t maxBatchTokens,
                              const std::vector<int>& tokens) {
  if (tokens != ref.tokens)
    throw Error("KL divergence: this model's tokenizer does not reproduce the baseline's " +
                std::to_string(ref.tokens.size()) + " tokens of " + ref.source + " (a different tokenizer?)");
  std::vector<double> kl, same;
  int64_t row = 0;
  forEachBatch(lm, ref.tokens, ref.window, maxBatchTokens, [&](size_t, const at::Tensor& logq) {
    auto q = logq.reshape({-1, logq.size(-1)});
    const int64_t n = q.size(0);
    if (q.size(1) != ref.logprobs.size(1))
      throw Error("KL divergence: vocabulary of " + std::to_string(q.size(1)) + " differs from the baseline's " +
                  std::to_string(ref.logprobs.size(1)));
    auto p = ref.logprobs.narrow(0, row, n).to(q.device()).to(at::kFloat);
    p = p - at::logsumexp(p, -1, true);  // renormalize after float16 storage
    auto klRow = (p.exp() * (p - q)).sum(-1).to(at::kDouble).cpu();
    auto sameRow = p.argmax(-1).eq(q.argmax(-1)).to(at::kDouble).cpu();
    auto ka = klRow.accessor<double, 1>();
    auto sa = sameRow.accessor<double, 1>();
    for (int64_t i = 0; i < n; ++i) {
      kl.push_back(std::max(0.0, ka[i]));
      same.push_back(sa[i]);
    }
    row += n;
  });
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
  };
  TaskResult r;
  r.task = "kl_divergence";
  r.kind = "basic";
  r.version = 1;
  r.outputType = "logits";
  r.protocol = "KL(baseline || this model) per next-token position over " + std::to_string(kl.size()) +
               " positions of " + ref.source + " in windows of " + std::to_string(ref.window) +
               " tokens; baseline stored in float16";
  r.documents = static_cast<int64_t>(kl.size());
  const int64_t n = static_cast<int64_t>(kl.size());
  r.metrics.push_back({r.task, "kl_divergence", "", mean(kl), meanStderr(kl), n, false});
  r.metrics.push_back({r.task, "same_top_token", "", mean(same), meanStderr(same), n, true});
  std::vector<double> sorted = kl;
  std::sort(sorted.begin(), sorted.end());
  if (!sorted.empty())
    r.metrics.push_back({r.task, "kl_divergence_p99", "", sorted[static_cast<size_t>(0.99 * (sorted.size() - 1))], 0, n, false});
  return r;
}

void saveLogitReference(const LogitReference& ref, const std::filesystem::path& file) {
  std::vector<int32_t> t(ref.tokens.begin(), ref.tokens.end());
  auto tokens = at::from_blob(t.data(), {static_cast<int64_t>(t.size())}, at::TensorOptions().dtype(at::kInt)).clone();
  writeSafetensors(file, {{"tokens", tokens}, {"logprobs", ref.logprobs.contiguous()}},
                   {{"window", std::to_string(ref.window)}, {"source", ref.source}});
}

LogitReference loadLogitReference(const std::filesystem::path& file) {
  auto f = SafetensorsFile::open(file);
  if (!f->find("tokens") || !f->find("logprobs")) throw Error(file.string() + ": not a KL reference (needs tokens and logprobs)");
  LogitReference ref;
  auto tokens = f->tensor("tokens").to(at::kInt).contiguous();
  ref.tokens.assign(tokens.data_ptr<int32_t>(), tokens.data_ptr<int32_t>() + tokens.numel());
  ref.logprobs = f->tensor("logprobs").clone();
  auto it = f->metadata().find("window");
  if (it == f->metadata().end()) throw Error(file.string() + ": KL reference has no 'window' metadata");
  ref.window = std::stoll(it->second);
  auto src = f->metadata().find("source");
  ref.source = src == f->metadata().end() ? file.filename().string() : src->second;
  return ref;
}

}  // namespace qs
