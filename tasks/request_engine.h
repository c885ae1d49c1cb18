#pragma once
// Serves loglikelihood, rolling loglikelihood and greedy generation requests on an LmBackend.
// All requests of a run are collected, sorted longest first and padded into batches bounded by
// a token budget. Loglikelihood requests that share a context (the choices of a multiple-choice
// question) run the context once into the state (KV cache) and score each continuation from a
// copy of it; the forward tokens this saves are counted.
#include "core/base/cancellation.h"
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tasks/lm_backend.h"
#include "tasks/request.h"

namespace qs {

// Whether contexts start with BOS. Auto follows the tokenizer's configuration (add_bos_token).
enum class BosPolicy { Auto, Always, Never };

struct EngineOptions {
  int64_t maxBatchTokens = 4096;  // padded tokens per forward call (at least one row always runs)
  // Prefix sharing: context tokens held in the per-row cache copies of one continuation batch.
  int64_t maxCacheTokens = 16384;
  int maxBatchSize = 64;
  bool sharePrefixes = true;
  BosPolicy bos = BosPolicy::Auto;
  int64_t maxLength = 0;  // 0: the backend's maxLength()
  // A batch stops at a row shorter than this fraction of its longest row: less padding, more calls.
  double minRowFill = 0.5;
};

struct EngineStats {
  int64_t requests = 0;
  int64_t forwardCalls = 0;
  int64_t forwardTokens = 0;      // real (unpadded) tokens run through the model
  int64_t paddedTokens = 0;       // batch cells including padding
  int64_t prefixTokensSaved = 0;  // tokens a per-request run would have added
  int64_t sharedGroups = 0;       // contexts shared by two or more continuations
  int64_t generatedTokens = 0;
  double seconds = 0;

  EngineStats& operator+=(const EngineStats& o);
};

// done / total in work items (loglikelihood items, rolling windows, generations).
using EngineProgress = std::function<void(int64_t done, int64_t total)>;

class RequestEngine {
 public:
  explicit RequestEngine(LmBackend& lm, EngineOptions options = {});

  // Responses in request order. Checks `cancel` between batches (throws qs::Cancelled) and
  // reports progress after each batch.
  std::vector<Response> run(const std::vector<Request>& requests, const EngineProgress& progress = {},
                            const CancelToken* cancel = nullptr);

  const EngineStats& stats() const { return stats_; }
  int64_t maxLength() const;
  bool addsBos() const;
  // The tokens of a context as the engine builds them (BOS per policy; never empty).
  std::vector<int> contextTokens(const std::string& context) const;
  // lm-evaluation-harness's pairing: trailing spaces of the context move to the continuation,
  // the whole string is tokenized and the continuation is what follows the context's tokens.
  std::pair<std::vector<int>, std::vector<int>> encodePair(const std::string& context,
                                                           const std::string& continuation) const;
  LmBackend& backend() { return lm_; }

  struct ScoreItem;
  struct GenItem;

 private:
  void scoreUnshared(std::vector<ScoreItem*>& items, const std::function<void(int64_t)>& advance,
                     const CancelToken* cancel);
  void scoreShared(std::vector<std::vector<ScoreItem*>>& groups, const std::function<void(int64_t)>& advance,
                   const CancelToken* cancel);
  void generate(std::vector<GenItem*>& items, const std::function<void(int64_t)>& advance,
                const CancelToken* cancel);
  int prefixToken() const;
  // The rows of a batch (sorted longest first) that keep padding within minRowFill.
  int64_t fillLimit(int64_t rows, const std::function<int64_t(int64_t)>& length) const;

  LmBackend& lm_;
  EngineOptions options_;
  EngineStats stats_;
};

}  // namespace qs
