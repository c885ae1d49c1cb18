#pragma once
// The training loop: AdamW, linear warm-up then cosine decay, gradient clipping, windows drawn
// from a token stream (half of them starting at a document start).
#include <cstdint>
#include <functional>
#include <vector>

namespace qs::demo {

class TrainableModel;

struct TokenStream {
  std::vector<int64_t> tokens;     // documents, each preceded by <|endoftext|>
  std::vector<int64_t> docStarts;  // index of each document's <|endoftext|>
};

struct TrainingOptions {
  // Sized for ~20-25 minutes on two shared cores: measured 950-5800 tokens/s depending on the other builds.
  int steps = 1600;
  int batch = 4;
  int seqLen = 512;
  double lr = 3e-3;
  double minLrRatio = 0.1;
  int warmup = 50;
  double weightDecay = 0.1;
  double clip = 1.0;
  uint64_t seed = 1234;
  int logEvery = 25;
  int evalEvery = 100;
  // A deadline for loaded machines: the cosine follows max(step progress, time progress) and the
  // run ends when either reaches 1. Runs that finish their steps in time are deterministic.
  double maxSeconds = 40 * 60;
  // The first retrievalWarmupSteps steps draw their windows from the retrieval warm-up stream, in
  // shorter windows (its documents are short): more steps in the same time, and the number of
  // steps is what a plateau before a new mechanism costs.
  int retrievalWarmupSteps = 0;
  // Every retrievalReplayEvery-th step (0: none) after the warm-up, or of the whole run when it has
  // none, trains on a warm-up window again: the main corpus alone erodes the lookup the warm-up
  // built (resources/demo-model/README.md).
  int retrievalReplayEvery = 0;
  int warmupBatch = 8;
  int warmupSeqLen = 256;
};

struct TrainingResult {
  int stepsDone = 0;
  int64_t tokensSeen = 0;
  bool stoppedByDeadline = false;
  double finalTrainLoss = 0;  // mean of the last logEvery steps
  double seconds = 0;
  double tokensPerSecond = 0;
  std::vector<std::pair<int, double>> heldOutLosses;  // (step, loss) at each evaluation
};

// heldOutLoss(steps done) is called every evalEvery steps and at the end (under no-grad).
// `warmup` feeds the first options.retrievalWarmupSteps steps and the replayed ones (it may be empty
// when there are none).
TrainingResult trainModel(TrainableModel& model, const TokenStream& data, const TokenStream& warmup,
                          const TrainingOptions& options, const std::function<double(int)>& heldOutLoss);

}  // namespace qs::demo
