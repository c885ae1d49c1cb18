// The one QuantScope file that includes <torch/torch.h>: torch::optim::AdamW lives only there.
#include "tools/train_demo_model/demo_training.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "core/base/error.h"
#include "tools/train_demo_model/demo_rng.h"
#include "tools/train_demo_model/trainable_model.h"

namespace qs::demo {
namespace {

// [B, T + 1] windows: half start at a document start, half anywhere.
at::Tensor sampleBatch(const TokenStream& data, int batch, int seqLen, DemoRng& rng) {
  const int64_t span = seqLen + 1;
  const int64_t lastStart = static_cast<int64_t>(data.tokens.size()) - span;
  if (lastStart < 0) throw Error("demo training: the corpus is shorter than one window");
  std::vector<int64_t> rows;
  rows.reserve(batch * span);
  for (int b = 0; b < batch; ++b) {
    int64_t start;
    do {
      start = rng.chance(0.5) ? data.docStarts[rng.below(static_cast<int>(data.docStarts.size()))]
                              : static_cast<int64_t>(rng.next() % static_cast<uint64_t>(lastStart + 1));
    } while (start > lastStart);
    rows.insert(rows.end(), data.tokens.begin() + start, data.tokens.begin() + start + span);
  }
  return at::tensor(rows, at::kLong).view({batch, span});
}

double learningRate(const TrainingOptions& o, int step, double timeProgress) {
  if (step < o.warmup) return o.lr * (step + 1) / o.warmup;
  const double progress =
      std::max(static_cast<double>(step - o.warmup) / std::max(1, o.steps - o.warmup), timeProgress);
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * std::min(1.0, progress)));
  return o.lr * (o.minLrRatio + (1.0 - o.minLrRatio) * cosine);
}

}  // namespace

TrainingResult trainModel(TrainableModel& model, const TokenStream& data, const TokenStream& warmup,
                          const TrainingOptions& o, const std::function<double(int)>& heldOutLoss) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(o.lr).betas({0.9, 0.95}).eps(1e-8).weight_decay(wd));
  };
  groups.emplace_back(model.decayed(), options(o.weightDecay));
  groups.emplace_back(model.notDecayed(), options(0.0));
  torch::optim::AdamW optimizer(groups, torch::optim::AdamWOptions(o.lr));
  std::vector<at::Tensor> all = model.decayed();
  for (auto& t : model.notDecayed()) all.push_back(t);

  DemoRng rng(o.seed ^ 0x5EEDull);
  TrainingResult result;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  double windowLoss = 0;
  int windowSteps = 0;
  for (int step = 0; step < o.steps; ++step) {
    const double timeProgress = elapsed() / o.maxSeconds;
    if (timeProgress >= 1.0) {
      result.stoppedByDeadline = true;
      std::printf("deadline of %.0f s reached after %d steps\n", o.maxSeconds, step);
      break;
    }
    const double lr = learningRate(o, step, timeProgress);
    for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    const bool warm = step < o.retrievalWarmupSteps || (o.retrievalReplayEvery > 0 && step % o.retrievalReplayEvery == 0);
    const int seqLen = warm ? o.warmupSeqLen : o.seqLen;
    auto batch = sampleBatch(warm ? warmup : data, warm ? o.warmupBatch : o.batch, seqLen, rng);
    auto inputs = batch.narrow(1, 0, seqLen), targets = batch.narrow(1, 1, seqLen);
    result.tokensSeen += inputs.numel();
    auto logits = model.forward(inputs);
    auto loss = at::nll_loss(at::log_softmax(logits.reshape({-1, logits.size(-1)}), -1), targets.reshape({-1}));
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(all, o.clip);
    optimizer.step();
    windowLoss += loss.item<double>();
    ++windowSteps;
    result.stepsDone = step + 1;
    const bool last = step + 1 == o.steps || elapsed() >= o.maxSeconds;
    if ((step + 1) % o.logEvery == 0 || last) {
      const double t = elapsed();
      result.finalTrainLoss = windowLoss / windowSteps;
      std::printf("step %5d/%d  loss %.4f  lr %.2e  %.0f tok/s  %.0f s\n", step + 1, o.steps, result.finalTrainLoss, lr,
                  static_cast<double>(result.tokensSeen) / t, t);
      std::fflush(stdout);
      windowLoss = 0;
      windowSteps = 0;
    }
    if (heldOutLoss && ((step + 1) % o.evalEvery == 0 || last)) {
      torch::NoGradGuard noGrad;
      const double h = heldOutLoss(step + 1);
      result.heldOutLosses.emplace_back(step + 1, h);
      std::printf("step %5d  held-out loss %.4f\n", step + 1, h);
      std::fflush(stdout);
    }
  }
  result.seconds = elapsed();
  result.tokensPerSecond = static_cast<double>(result.tokensSeen) / result.seconds;
  return result;
}

}  // namespace qs::demo
