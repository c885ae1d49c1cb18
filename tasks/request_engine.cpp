#include "tasks/request_engine.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "core/base/error.h"
#include "tasks/rolling_windows.h"

namespace qs {

struct RequestEngine::ScoreItem {
  std::vector<int> context;
  std::vector<int> continuation;
  size_t owner = 0;  // request index
  double logprob = 0;
  bool greedy = true;
};

struct RequestEngine::GenItem {
  std::vector<int> prompt;
  const Request* request = nullptr;
  size_t owner = 0;
  std::vector<int> generated;
  std::string text;
};

EngineStats& EngineStats::operator+=(const EngineStats& o) {
  requests += o.requests;
  forwardCalls += o.forwardCalls;
  forwardTokens += o.forwardTokens;
  paddedTokens += o.paddedTokens;
  prefixTokensSaved += o.prefixTokensSaved;
  sharedGroups += o.sharedGroups;
  generatedTokens += o.generatedTokens;
  seconds += o.seconds;
  return *this;
}

namespace {

using ScoreItem = RequestEngine::ScoreItem;

struct RowScore {
  double logprob = 0;
  bool greedy = true;
};

at::Tensor longTensor(const std::vector<int64_t>& data, int64_t rows, int64_t cols) {
  return at::from_blob(const_cast<int64_t*>(data.data()), {rows, cols}, at::TensorOptions().dtype(at::kLong)).clone();
}

// Sum of log p(target) over positions where scoreMask is 1, and whether each was the argmax.
std::vector<RowScore> scoreRows(const at::Tensor& logits, const std::vector<int64_t>& targets,
                                const std::vector<int64_t>& scoreMask, int64_t rows, int64_t cols) {
  auto dev = logits.device();
  auto tgt = longTensor(targets, rows, cols).to(dev);
  auto mask = longTensor(scoreMask, rows, cols).to(dev);
  auto lse = at::logsumexp(logits, -1);
  auto picked = logits.gather(-1, tgt.unsqueeze(-1)).squeeze(-1);
  auto lp = ((picked - lse).to(at::kDouble) * mask.to(at::kDouble)).sum(1).cpu();
  auto miss = logits.argmax(-1).ne(tgt).logical_and(mask.to(at::kBool)).any(1).cpu();
  std::vector<RowScore> out(rows);
  auto lpa = lp.accessor<double, 1>();
  auto ma = miss.accessor<bool, 1>();
  for (int64_t r = 0; r < rows; ++r) out[r] = RowScore{lpa[r], !ma[r]};
  return out;
}

void checkCancel(const CancelToken* cancel) {
  if (cancel) cancel->throwIfCancelled();
}

std::string rstripSpaces(std::string s, std::string& moved) {
  size_t end = s.find_last_not_of(" \t\n\r");
  size_t keep = end == std::string::npos ? 0 : end + 1;
  moved = s.substr(keep);
  s.resize(keep);
  return s;
}

// Cuts generated text before the earliest stop string; true when one was found.
bool cutAtStop(std::string& text, const std::vector<std::string>& until) {
  size_t best = std::string::npos;
  for (const auto& s : until) {
    if (s.empty()) continue;
    size_t p = text.find(s);
    if (p != std::string::npos && p < best) best = p;
  }
  if (best == std::string::npos) return false;
  text.resize(best);
  return true;
}

}  // namespace

RequestEngine::RequestEngine(LmBackend& lm, EngineOptions options) : lm_(lm), options_(options) {
  if (options_.maxBatchSize < 1) options_.maxBatchSize = 1;
  if (options_.maxBatchTokens < 1) options_.maxBatchTokens = 1;
}

int64_t RequestEngine::maxLength() const {
  int64_t m = lm_.maxLength();
  if (options_.maxLength > 0) m = std::min(m, options_.maxLength);
  return m;
}

bool RequestEngine::addsBos() const {
  if (lm_.bosId() < 0) return false;
  if (options_.bos == BosPolicy::Always) return true;
  if (options_.bos == BosPolicy::Never) return false;
  return lm_.addsBos();
}

int64_t RequestEngine::fillLimit(int64_t rows, const std::function<int64_t(int64_t)>& length) const {
  const double longest = static_cast<double>(length(0));
  int64_t r = 1;
  while (r < rows && static_cast<double>(length(r)) >= options_.minRowFill * longest) ++r;
  return r;
}

int RequestEngine::prefixToken() const {
  int bos = lm_.bosId();
  if (bos >= 0) return bos;
  int eos = lm_.eosId();
  if (eos >= 0) return eos;
  throw Error("the tokenizer has neither BOS nor EOS: no token to predict the first token from");
}

std::vector<int> RequestEngine::contextTokens(const std::string& context) const {
  std::vector<int> ids;
  if (addsBos()) ids.push_back(lm_.bosId());
  auto body = lm_.encode(context);
  ids.insert(ids.end(), body.begin(), body.end());
  if (ids.empty()) ids.push_back(prefixToken());
  return ids;
}

std::pair<std::vector<int>, std::vector<int>> RequestEngine::encodePair(const std::string& context,
                                                                        const std::string& continuation) const {
  std::string moved;
  std::string ctx = rstripSpaces(context, moved);
  std::string cont = moved + continuation;
  if (ctx.empty()) return {contextTokens(""), lm_.encode(cont)};
  auto whole = lm_.encode(ctx + cont);
  auto ctxIds = lm_.encode(ctx);
  std::vector<int> contIds;
  if (whole.size() > ctxIds.size()) contIds.assign(whole.begin() + ctxIds.size(), whole.end());
  if (contIds.empty()) contIds = lm_.encode(cont);  // the boundary swallowed the continuation
  std::vector<int> full;
  if (addsBos()) full.push_back(lm_.bosId());
  full.insert(full.end(), ctxIds.begin(), ctxIds.end());
  return {full, contIds};
}

std::vector<Response> RequestEngine::run(const std::vector<Request>& requests, const EngineProgress& progress,
                                         const CancelToken* cancel) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Response> responses(requests.size());
  std::vector<ScoreItem> scoreItems;
  std::vector<GenItem> genItems;
  const int64_t maxLen = maxLength();

  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    switch (r.type) {
      case RequestType::Loglikelihood: {
        ScoreItem item;
        if (r.pretokenized) {
          item.context = r.contextIds;
          item.continuation = r.continuationIds;
        } else {
          std::tie(item.context, item.continuation) = encodePair(r.context, r.continuation);
        }
        if (item.continuation.empty()) throw Error("loglikelihood request " + std::to_string(i) + " has an empty continuation");
        if (item.context.empty()) item.context.push_back(prefixToken());
        item.owner = i;
        responses[i].tokens = static_cast<int64_t>(item.continuation.size());
        scoreItems.push_back(std::move(item));
        break;
      }
      case RequestType::RollingLoglikelihood: {
        std::vector<int> tokens = r.pretokenized ? r.continuationIds : lm_.encode(r.context);
        responses[i].tokens = static_cast<int64_t>(tokens.size());
        responses[i].greedy = true;
        for (const auto& w : rollingTokenWindows(tokens, prefixToken(), static_cast<int>(maxLen), 1)) {
          auto d = disjointWindow(w);
          ScoreItem item;
          item.context = std::move(d.input);
          item.continuation = std::move(d.predicted);
          item.owner = i;
          scoreItems.push_back(std::move(item));
        }
        break;
      }
      case RequestType::GenerateUntil: {
        GenItem g;
        g.prompt = r.pretokenized ? r.contextIds : contextTokens(r.context);
        int64_t keep = std::max<int64_t>(1, maxLen - std::max(1, r.maxNewTokens));
        if (static_cast<int64_t>(g.prompt.size()) > keep) g.prompt.erase(g.prompt.begin(), g.prompt.end() - keep);
        g.request = &r;
        g.owner = i;
        genItems.push_back(std::move(g));
        break;
      }
    }
  }

  const int64_t total = static_cast<int64_t>(scoreItems.size() + genItems.size());
  int64_t done = 0;
  auto advance = [&](int64_t n) {
    done += n;
    if (progress) progress(done, total);
  };

  // Partition: contexts shared by several continuations (that fit unshared in one window).
  std::vector<ScoreItem*> single;
  std::vector<std::vector<ScoreItem*>> shared;
  if (options_.sharePrefixes) {
    std::map<std::vector<int>, std::vector<ScoreItem*>> byContext;
    for (auto& it : scoreItems) byContext[it.context].push_back(&it);
    for (auto& [ctx, items] : byContext) {
      size_t longest = 0;
      for (auto* it : items) longest = std::max(longest, it->continuation.size());
      bool fits = static_cast<int64_t>(ctx.size() + longest) <= maxLen + 1;
      if (items.size() >= 2 && fits) shared.push_back(items);
      else single.insert(single.end(), items.begin(), items.end());
    }
  } else {
    for (auto& it : scoreItems) single.push_back(&it);
  }
  scoreShared(shared, advance, cancel);
  scoreUnshared(single, advance, cancel);

  for (const auto& it : scoreItems) {
    Response& resp = responses[it.owner];
    resp.logprob += it.logprob;
    if (requests[it.owner].type == RequestType::Loglikelihood) resp.greedy = it.greedy;
    else resp.greedy = resp.greedy && it.greedy;
  }

  std::vector<GenItem*> gens;
  for (auto& g : genItems) gens.push_back(&g);
  generate(gens, advance, cancel);
  for (const auto& g : genItems) {
    responses[g.owner].text = g.text;
    responses[g.owner].generatedIds = g.generated;
    responses[g.owner].tokens = static_cast<int64_t>(g.generated.size());
  }

  stats_.requests += static_cast<int64_t>(requests.size());
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return responses;
}

void RequestEngine::scoreUnshared(std::vector<ScoreItem*>& items, const std::function<void(int64_t)>& advance,
                                  const CancelToken* cancel) {
  const int64_t maxLen = maxLength();
  // Model input = (context + continuation)[-(maxLen + 1):][:-1], as lm-evaluation-harness does.
  auto inputLength = [&](const ScoreItem* it) {
    return std::min<int64_t>(maxLen + 1, static_cast<int64_t>(it->context.size() + it->continuation.size())) - 1;
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const ScoreItem* a, const ScoreItem* b) { return inputLength(a) > inputLength(b); });
  size_t start = 0;
  while (start < items.size()) {
    checkCancel(cancel);
    const int64_t cols = std::max<int64_t>(1, inputLength(items[start]));
    int64_t rows = std::max<int64_t>(1, std::min<int64_t>(options_.maxBatchSize, options_.maxBatchTokens / cols));
    rows = std::min<int64_t>(rows, static_cast<int64_t>(items.size() - start));
    rows = fillLimit(rows, [&](int64_t r) { return inputLength(items[start + r]); });
    std::vector<int64_t> ids(rows * cols, 0), mask(rows * cols, 0), targets(rows * cols, 0), score(rows * cols, 0);
    for (int64_t r = 0; r < rows; ++r) {
      const ScoreItem* it = items[start + r];
      std::vector<int> full(it->context);
      full.insert(full.end(), it->continuation.begin(), it->continuation.end());
      if (static_cast<int64_t>(full.size()) > maxLen + 1) full.erase(full.begin(), full.end() - (maxLen + 1));
      const int64_t len = static_cast<int64_t>(full.size()) - 1;
      const int64_t contLen = std::min<int64_t>(len, static_cast<int64_t>(it->continuation.size()));
      for (int64_t c = 0; c < len; ++c) {
        ids[r * cols + c] = full[c];
        mask[r * cols + c] = 1;
        targets[r * cols + c] = full[c + 1];
        score[r * cols + c] = c >= len - contLen ? 1 : 0;
      }
      stats_.forwardTokens += len;
    }
    auto logits = lm_.forward(longTensor(ids, rows, cols), longTensor(mask, rows, cols), nullptr);
    auto scores = scoreRows(logits, targets, score, rows, cols);
    for (int64_t r = 0; r < rows; ++r) {
      items[start + r]->logprob = scores[r].logprob;
      items[start + r]->greedy = scores[r].greedy;
    }
    stats_.forwardCalls += 1;
    stats_.paddedTokens += rows * cols;
    start += rows;
    advance(rows);
  }
}

void RequestEngine::scoreShared(std::vector<std::vector<ScoreItem*>>& groups,
                                const std::function<void(int64_t)>& advance, const CancelToken* cancel) {
  // Longest contexts first.
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    return a.front()->context.size() > b.front()->context.size();
  });
  size_t start = 0;
  while (start < groups.size()) {
    checkCancel(cancel);
    const int64_t width = static_cast<int64_t>(groups[start].front()->context.size());
    int64_t rows = std::max<int64_t>(1, std::min<int64_t>(options_.maxBatchSize, options_.maxBatchTokens / width));
    rows = std::min<int64_t>(rows, static_cast<int64_t>(groups.size() - start));
    rows = fillLimit(rows, [&](int64_t r) { return static_cast<int64_t>(groups[start + r].front()->context.size()); });
    std::vector<std::vector<ScoreItem*>*> batch;
    for (int64_t r = 0; r < rows; ++r) batch.push_back(&groups[start + r]);

    // 1. Contexts, left-padded so that every row's last context token is in the last column.
    int64_t ctxCols = 0;
    for (auto* g : batch) ctxCols = std::max<int64_t>(ctxCols, static_cast<int64_t>(g->front()->context.size()));
    std::vector<int64_t> ids(rows * ctxCols, 0), mask(rows * ctxCols, 0);
    for (int64_t r = 0; r < rows; ++r) {
      const auto& ctx = (*batch[r]).front()->context;
      int64_t pad = ctxCols - static_cast<int64_t>(ctx.size());
      for (size_t c = 0; c < ctx.size(); ++c) {
        ids[r * ctxCols + pad + c] = ctx[c];
        mask[r * ctxCols + pad + c] = 1;
      }
      stats_.forwardTokens += static_cast<int64_t>(ctx.size());
      stats_.prefixTokensSaved += static_cast<int64_t>((batch[r]->size() - 1) * ctx.size());
      stats_.sharedGroups += 1;
    }
    auto state = lm_.newState();
    auto logits = lm_.forward(longTensor(ids, rows, ctxCols), longTensor(mask, rows, ctxCols), state.get());
    stats_.forwardCalls += 1;
    stats_.paddedTokens += rows * ctxCols;

    // Every (context row, continuation) pair of the batch.
    struct Pair {
      int64_t row;
      ScoreItem* item;
    };
    std::vector<Pair> pairs;
    for (int64_t r = 0; r < rows; ++r)
      for (auto* it : *batch[r]) pairs.push_back({r, it});

    // First continuation tokens: predicted by the last context column.
    {
      std::vector<int64_t> rowIdx, t1, s1(pairs.size(), 1);
      for (const auto& p : pairs) {
        rowIdx.push_back(p.row);
        t1.push_back(p.item->continuation.front());
      }
      auto idx = at::tensor(rowIdx, at::kLong).to(logits.device());
      auto last = logits.select(1, ctxCols - 1).index_select(0, idx).unsqueeze(1);  // [P, 1, V]
      auto first = scoreRows(last, t1, s1, static_cast<int64_t>(pairs.size()), 1);
      for (size_t i = 0; i < pairs.size(); ++i) {
        pairs[i].item->logprob = first[i].logprob;
        pairs[i].item->greedy = first[i].greedy;
      }
    }

    // The rest of each continuation: continuation[:-1] fed after its context row's state,
    // longest first, one row per pair (rows selected from the context state, repeats allowed).
    std::vector<Pair> rest;
    for (const auto& p : pairs)
      if (p.item->continuation.size() >= 2) rest.push_back(p);
    std::stable_sort(rest.begin(), rest.end(), [](const Pair& a, const Pair& b) {
      return a.item->continuation.size() > b.item->continuation.size();
    });
    size_t at = 0;
    while (at < rest.size()) {
      checkCancel(cancel);
      const int64_t cols = static_cast<int64_t>(rest[at].item->continuation.size()) - 1;
      // New tokens within the token budget; the rows' copied context caches within the cache budget.
      int64_t n = std::min<int64_t>(options_.maxBatchTokens / cols, options_.maxCacheTokens / (ctxCols + cols));
      n = std::max<int64_t>(1, std::min<int64_t>(options_.maxBatchSize, n));
      n = std::min<int64_t>(n, static_cast<int64_t>(rest.size() - at));
      n = fillLimit(n, [&](int64_t r) { return static_cast<int64_t>(rest[at + r].item->continuation.size()) - 1; });
      std::vector<int64_t> sel, cids(n * cols, 0), cmask(n * cols, 0), tgt(n * cols, 0), sc(n * cols, 0);
      for (int64_t r = 0; r < n; ++r) {
        const auto& cont = rest[at + r].item->continuation;
        sel.push_back(rest[at + r].row);
        for (size_t c = 0; c + 1 < cont.size(); ++c) {
          cids[r * cols + c] = cont[c];
          cmask[r * cols + c] = 1;
          tgt[r * cols + c] = cont[c + 1];
          sc[r * cols + c] = 1;
        }
        stats_.forwardTokens += static_cast<int64_t>(cont.size()) - 1;
      }
      auto sub = state->selectRows(sel);
      auto contLogits = lm_.forward(longTensor(cids, n, cols), longTensor(cmask, n, cols), sub.get());
      stats_.forwardCalls += 1;
      stats_.paddedTokens += n * cols;
      auto scores = scoreRows(contLogits, tgt, sc, n, cols);
      for (int64_t r = 0; r < n; ++r) {
        rest[at + r].item->logprob += scores[r].logprob;
        rest[at + r].item->greedy = rest[at + r].item->greedy && scores[r].greedy;
      }
      at += static_cast<size_t>(n);
    }
    int64_t itemsDone = 0;
    for (auto* g : batch) itemsDone += static_cast<int64_t>(g->size());
    start += rows;
    advance(itemsDone);
  }
}

void RequestEngine::generate(std::vector<GenItem*>& items, const std::function<void(int64_t)>& advance,
                             const CancelToken* cancel) {
  const int64_t maxLen = maxLength();
  std::stable_sort(items.begin(), items.end(),
                   [](const GenItem* a, const GenItem* b) { return a->prompt.size() > b->prompt.size(); });
  const int eos = lm_.eosId();
  size_t start = 0;
  while (start < items.size()) {
    checkCancel(cancel);
    const int64_t promptCols = static_cast<int64_t>(items[start]->prompt.size());
    int maxNew = 1;
    for (size_t i = start; i < items.size(); ++i) maxNew = std::max(maxNew, items[i]->request->maxNewTokens);
    const int64_t width = std::min<int64_t>(maxLen, promptCols + maxNew);
    int64_t rows = std::max<int64_t>(1, std::min<int64_t>(options_.maxBatchSize, options_.maxBatchTokens / width));
    rows = std::min<int64_t>(rows, static_cast<int64_t>(items.size() - start));
    rows = fillLimit(rows, [&](int64_t r) { return static_cast<int64_t>(items[start + r]->prompt.size()); });
    std::vector<GenItem*> batch(items.begin() + start, items.begin() + start + rows);

    std::vector<int64_t> ids(rows * promptCols, 0), mask(rows * promptCols, 0);
    for (int64_t r = 0; r < rows; ++r) {
      const auto& p = batch[r]->prompt;
      int64_t pad = promptCols - static_cast<int64_t>(p.size());
      for (size_t c = 0; c < p.size(); ++c) {
        ids[r * promptCols + pad + c] = p[c];
        mask[r * promptCols + pad + c] = 1;
      }
      stats_.forwardTokens += static_cast<int64_t>(p.size());
    }
    auto state = lm_.newState();
    auto logits = lm_.forward(longTensor(ids, rows, promptCols), longTensor(mask, rows, promptCols), state.get());
    stats_.forwardCalls += 1;
    stats_.paddedTokens += rows * promptCols;

    std::vector<bool> finished(rows, false);
    int64_t length = promptCols;
    for (int step = 0;; ++step) {
      auto next = logits.select(1, logits.size(1) - 1).argmax(-1).cpu();
      auto na = next.accessor<int64_t, 1>();
      for (int64_t r = 0; r < rows; ++r) {
        if (finished[r]) continue;
        GenItem* g = batch[r];
        int tok = static_cast<int>(na[r]);
        if (tok == eos) {
          finished[r] = true;
          continue;
        }
        g->generated.push_back(tok);
        stats_.generatedTokens += 1;
        g->text = lm_.decode(g->generated);
        if (cutAtStop(g->text, g->request->until) ||
            static_cast<int>(g->generated.size()) >= g->request->maxNewTokens)
          finished[r] = true;
      }
      bool all = std::all_of(finished.begin(), finished.end(), [](bool f) { return f; });
      if (all || length >= maxLen) break;
      std::vector<int64_t> stepIds(rows, 0), stepMask(rows, 0);
      for (int64_t r = 0; r < rows; ++r) {
        if (finished[r]) continue;
        stepIds[r] = batch[r]->generated.back();
        stepMask[r] = 1;
        stats_.forwardTokens += 1;
      }
      logits = lm_.forward(longTensor(stepIds, rows, 1), longTensor(stepMask, rows, 1), state.get());
      stats_.forwardCalls += 1;
      stats_.paddedTokens += rows;
      length += 1;
      if (cancel) cancel->throwIfCancelled();
    }
    start += rows;
    advance(rows);
  }
}

}  // namespace qs
