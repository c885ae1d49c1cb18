#include "tasks/layer_sensitivity.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/base/error.h"
#include "core/model/model.h"
#include "quant/quantized_model.h"
#include "quant/single_tensor_config.h"
#include "quant/tensor_stats.h"

namespace qs {
namespace {

using Clock = std::chrono::steady_clock;

// log-softmax of the model's logits for rows [first, first + count) of ids: [count * L, V] float32.
at::Tensor logProbs(Model& model, const at::Tensor& ids, int64_t first, int64_t count) {
  const auto logits = model.forward(ids.narrow(0, first, count));
  return at::log_softmax(logits.to(at::kFloat), -1).reshape({-1, logits.size(-1)});
}

// Sum over positions of KL(p || q), each position's value clamped at 0 (rounding can make an
// unchanged distribution come out a hair below).
double klSum(const at::Tensor& logP, const at::Tensor& logQ) {
  const auto perPosition = (logP.exp() * (logP - logQ)).sum(-1).clamp_min(0);
  return perPosition.sum().to(at::kDouble).item<double>();
}

}  // namespace

std::vector<std::pair<int, TensorRole>> scannedLinears(Model& model, const QuantConfig& base) {
  std::vector<std::pair<int, TensorRole>> out;
  std::set<std::pair<int, TensorRole>> seen;
  for (const auto& lw : model.linearWeights()) {
    if (!lw.weight || !lw.weight->defined() || !base.selectsLinear(lw.layer, lw.role)) continue;
    if (seen.insert({lw.layer, lw.role}).second) out.emplace_back(lw.layer, lw.role);
  }
  return out;
}

std::vector<LinearSensitivity> scanLayerSensitivity(Model& model, const QuantConfig& base, const at::Tensor& ids,
                                                    const std::function<void(const SensitivityProgress&)>& progress,
                                                    const CancelToken* cancel, int64_t batchRows) {
  requireSingleTensorBase(base);
  if (!ids.defined() || ids.dim() != 2 || ids.size(0) == 0 || ids.size(1) == 0)
    throw Error("sensitivity scan: no calibration windows ([N, L] token ids)");
  const auto linears = scannedLinears(model, base);
  if (linears.empty()) throw Error("sensitivity scan: '" + base.name() + "' quantizes no linear of this model");
  const int64_t rows = ids.size(0), step = std::max<int64_t>(1, batchRows);
  const auto start = Clock::now();
  auto check = [&] {
    if (cancel) cancel->throwIfCancelled();
  };

  // The FP distributions, kept on the CPU: [N * L, V] float32 in total.
  std::vector<at::Tensor> reference;
  for (int64_t r = 0; r < rows; r += step) {
    check();
    reference.push_back(logProbs(model, ids, r, std::min(step, rows - r)).cpu());
  }

  std::vector<LinearSensitivity> out;
  SensitivityProgress p;
  p.total = static_cast<int>(linears.size());
  for (const auto& [layer, role] : linears) {
    p.layer = layer;
    p.role = role;
    if (progress) progress(p);
    QuantizedModel quantized(model, singleTensorConfig(base, layer, role));
    double sum = 0;
    int64_t positions = 0;
    for (int64_t r = 0, b = 0; r < rows; r += step, ++b) {
      check();
      const auto logQ = logProbs(model, ids, r, std::min(step, rows - r));
      sum += klSum(reference[static_cast<size_t>(b)].to(logQ.device()), logQ);
      positions += logQ.size(0);
    }
    out.push_back({layer, role, sum / static_cast<double>(positions), positions});
    ++p.done;
    p.elapsedSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    p.etaSeconds = p.elapsedSeconds / p.done * (p.total - p.done);
  }
  if (progress) progress(p);
  return out;
}

std::vector<LinearSensitivity> rankBySensitivity(std::vector<LinearSensitivity> scan) {
  std::stable_sort(scan.begin(), scan.end(),
                   [](const LinearSensitivity& a, const LinearSensitivity& b) { return a.klDivergence > b.klDivergence; });
  return scan;
}

std::vector<double> weightKurtosis(Model& model, const std::vector<LinearSensitivity>& scan) {
  std::map<std::pair<int, TensorRole>, TensorStats> pooled;
  for (const auto& [key, stats] : collectWeightStats(model)) {
    if (key.kind != TensorKind::Weight) continue;
    auto [it, inserted] = pooled.try_emplace({key.layer, key.role}, stats.outlierSigma());
    it->second.merge(stats);
  }
  std::vector<double> out;
  out.reserve(scan.size());
  for (const auto& s : scan) {
    const auto it = pooled.find({s.layer, s.role});
    if (it == pooled.end())
      throw Error("weight kurtosis: layer " + std::to_string(s.layer) + " " + std::string(roleName(s.role)) +
                  " has no weight");
    out.push_back(it->second.kurtosis());
  }
  return out;
}

}  // namespace qs
