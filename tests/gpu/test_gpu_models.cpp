// The model layer on a CUDA device: every family's logits against Hugging Face's fp32 reference
// (tests/data/golden) in float32, float16 and bfloat16; KV-cached greedy decoding on the device;
// a left-padded batch; attention (fused on libtorch >= 2.1) against the CPU path; statistics
// reduced on the device against the CPU reduction.
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/checkpoint/safetensors.h"
#include "core/model/blocks.h"
#include "core/model/model.h"
#include "quant/tensor_stats.h"
#include "tests/gpu/gpu_check.h"
#include "tests/support/golden_data.h"

namespace {

const char* const kFamilies[] = {"llama", "opt",  "mistral", "qwen2",   "gemma",    "stablelm", "falcon",
                                 "falcon_newdec", "bloom", "gpt2", "mixtral", "chatglm3", "mamba"};

// Tolerances on the logits (max |diff| against the fp32 reference, whose logits reach |x| ~ 3.7 and
// average |x| ~ 0.64 on these tiny models). float32 on a GPU differs from the CPU only in the
// order of reductions (TF32 is off by default in libtorch). bfloat16 keeps 8 significant bits: on
// the CPU (QS_GPU_TEST_DEVICE=cpu) its worst family gave max 0.076, mean 0.0093; the bounds leave
// ~2x. float16 keeps 11 bits, so ~8x smaller errors; its bounds leave ~3x on that estimate.
struct DtypeCase {
  const char* name;
  at::ScalarType dtype;
  double maxTolerance;
  double meanTolerance;
};
const DtypeCase kDtypes[] = {{"float32", at::kFloat, 2e-4, 2e-5},
                             {"float16", at::kHalf, 3e-2, 4e-3},
                             {"bfloat16", at::kBFloat16, 1.5e-1, 2e-2}};

std::filesystem::path goldenDir(const std::string& family) {
  return std::filesystem::path(QS_SOURCE_DIR) / "tests" / "data" / "golden" / family;
}

using qs::golden::readJson;

std::unique_ptr<qs::Model> loadOnGpu(const std::filesystem::path& dir, const char* dtype) {
  qs::LoadOptions load;
  load.device = qs::gpu_test::deviceName();
  load.dtype = dtype;
  return qs::Model::load(dir, load);
}

void logitsInEveryDtype() {
  for (const char* family : kFamilies) {
    const auto dir = goldenDir(family);
    GPU_CHECK(std::filesystem::exists(dir / "model.safetensors"), std::string("tests/data/golden lacks ") + family);
    const auto expected = qs::golden::tensor(dir / "logits.safetensors", "logits");
    for (const auto& dc : kDtypes) {
      if (qs::gpu_test::rehearsal() && dc.dtype == at::kHalf) continue;  // libtorch 1.13's CPU has no fp16 matmul
      auto model = loadOnGpu(dir, dc.name);
      GPU_CHECK(model->device() == qs::gpu_test::device() && model->dtype() == dc.dtype, std::string(family) + ": not loaded as asked");
      const at::Tensor logits = model->forward(qs::golden::inputIds(dir).to(qs::gpu_test::device())).cpu();
      GPU_CHECK(logits.sizes().equals(expected.sizes()), std::string(family) + ": logits shape");
      const at::Tensor diff = (logits - expected).abs();
      const double maxDiff = diff.max().item<double>(), meanDiff = diff.mean().item<double>();
      std::printf("  %-14s %-9s logits max |diff| %.3g, mean %.3g (bounds %.3g, %.3g)\n", family, dc.name, maxDiff,
                  meanDiff, dc.maxTolerance, dc.meanTolerance);
      GPU_CHECK(std::isfinite(maxDiff) && maxDiff < dc.maxTolerance && meanDiff < dc.meanTolerance,
                std::string(family) + " " + dc.name + ": logits off the reference by " + std::to_string(maxDiff));
    }
  }
}

void cachedGreedyOnDevice() {
  for (const char* family : kFamilies) {
    const auto dir = goldenDir(family);
    auto model = loadOnGpu(dir, "float32");
    const auto greedy = readJson(dir / "greedy.json");
    const auto prompt = greedy["prompt_ids"].get<std::vector<int64_t>>();
    const auto expectedTokens = greedy["new_tokens"].get<std::vector<int64_t>>();
    const auto expectedLogits = qs::golden::tensor(dir / "greedy_logits.safetensors", "logits");
    auto state = model->makeState();
    auto logits = model->forward(at::tensor(prompt, at::kLong).unsqueeze(0).to(qs::gpu_test::device()), {}, state.get()).cpu();
    const int64_t P = static_cast<int64_t>(prompt.size());
    for (size_t i = 0; i < expectedTokens.size(); ++i) {
      const double d = (logits[0][-1] - expectedLogits[0][P - 1 + static_cast<int64_t>(i)]).abs().max().item<double>();
      GPU_CHECK(d < 2e-4, std::string(family) + ": step " + std::to_string(i) + " differs by " + std::to_string(d));
      if (i + 1 == expectedTokens.size()) break;
      logits = model->forward(at::full({1, 1}, expectedTokens[i], at::kLong).to(qs::gpu_test::device()), {}, state.get()).cpu();
    }
  }
}

// Left padding must leave the real tokens' logits as they are, fused attention included.
void leftPaddedBatch() {
  for (const char* family : {"llama", "mistral", "bloom", "falcon", "gpt2"}) {
    const auto dir = goldenDir(family);
    auto model = loadOnGpu(dir, "float32");
    const auto ids = qs::golden::inputIds(dir);
    const auto expected = qs::golden::tensor(dir / "logits.safetensors", "logits");
    const int64_t S = ids.size(1), pad = 5, n = S - pad;
    auto batch = at::zeros({1, S}, at::kLong), mask = at::zeros({1, S}, at::kLong);
    batch[0].narrow(0, pad, n).copy_(ids[1].narrow(0, 0, n));
    mask[0].narrow(0, pad, n).fill_(1);
    const auto logits = model->forward(batch.to(qs::gpu_test::device()), mask.to(qs::gpu_test::device())).cpu();
    const double d = (logits[0].narrow(0, pad, n) - expected[1].narrow(0, 0, n)).abs().max().item<double>();
    GPU_CHECK(d < 2e-4, std::string(family) + ": left padding changes the logits by " + std::to_string(d));
  }
}

void attentionMatchesCpu() {
  at::manual_seed(5);
  const int64_t B = 2, H = 8, G = 2, S = 600, D = 64;  // S > 2 blocks: the CPU takes its blockwise path
  auto q = at::randn({B, H, S, D}), k = at::randn({B, G, S, D}), v = at::randn({B, G, S, D});
  auto bias = at::zeros({B, 1, S, S});
  bias.masked_fill_(at::ones({S, S}, at::kBool).triu(1), std::numeric_limits<float>::lowest());
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  const auto cpu = qs::blocks::attention(q, k, v, bias, scale);
  const auto d = qs::gpu_test::device();
  const auto gpu = qs::blocks::attention(q.to(d), k.to(d), v.to(d), bias.to(d), scale).cpu();
  const double diff = (gpu - cpu).abs().max().item<double>();
  std::printf("  attention (%s) vs CPU: max |diff| %.3g\n",
              qs::blocks::fusedAttentionAvailable() ? "fused" : "blockwise", diff);
  GPU_CHECK(diff < 1e-4, "attention on the GPU differs from the CPU by " + std::to_string(diff));
}

void statisticsOnDevice() {
  at::manual_seed(6);
  auto x = at::randn({3000, 96}) * at::linspace(0.1, 4.0, 96);
  x.index_put_({17, 5}, 80.0);  // an outlier
  qs::TensorStats cpu, gpu;
  cpu.add(x);
  cpu.add(x * 0.5 + 1.0);
  gpu.add(x.to(qs::gpu_test::device()));
  gpu.add((x * 0.5 + 1.0).to(qs::gpu_test::device()));
  auto close = [](double a, double b, double rel) { return std::fabs(a - b) <= rel * std::max(1.0, std::fabs(b)); };
  GPU_CHECK(gpu.count() == cpu.count(), "count");
  GPU_CHECK(close(gpu.mean(), cpu.mean(), 1e-3) && close(gpu.std(), cpu.std(), 1e-3), "mean / std");
  GPU_CHECK(close(gpu.kurtosis(), cpu.kurtosis(), 1e-3), "kurtosis " + std::to_string(gpu.kurtosis()) + " vs " +
                                                              std::to_string(cpu.kurtosis()));
  GPU_CHECK(gpu.absmax() == cpu.absmax(), "absmax");
  GPU_CHECK(gpu.outlierCount() == cpu.outlierCount(), "outliers " + std::to_string(gpu.outlierCount()) + " vs " +
                                                          std::to_string(cpu.outlierCount()));
  GPU_CHECK(gpu.channelAbsmax().size() == 96 && gpu.outlierChannels() == cpu.outlierChannels(), "channel profile");
}

}  // namespace

int main() {
  return qs::gpu_test::runCases("gpu_models", {{"logitsInEveryDtype", logitsInEveryDtype},
                                              {"cachedGreedyOnDevice", cachedGreedyOnDevice},
                                              {"leftPaddedBatch", leftPaddedBatch},
                                              {"attentionMatchesCpu", attentionMatchesCpu},
                                              {"statisticsOnDevice", statisticsOnDevice}});
}
