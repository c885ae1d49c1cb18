#pragma once
// Distribution statistics of weights, activations and K/V per (layer, role, kind): count, mean,
// std, absmax, kurtosis (Pearson: E[(x-mu)^4] / sigma^4, 3 for a normal), outlier ratio and the
// per-channel absmax profile with its outlier channels (docs/QUANT_SPEC.md, "Tensor statistics").
//
// Moments are accumulated in double: each block of rows is reduced two-pass in cache (mean, then
// powers of deviations), blocks and calls are merged with the parallel update of Chan / Pébay.
// Outlier ratio: after a tensor's moments, a second sweep over the same tensor counts
// |x - mean| > k * std with that tensor's own mean and std (exact for a weight; for activations
// gathered over several calibration batches, each batch is judged by its own mean and std and the
// counts are summed). std is the population std (divides by n).
#include <ATen/core/Tensor.h>
#include <nlohmann/json_fwd.hpp>

#include <compare>
#include <map>
#include <mutex>
#include <vector>

#include "core/model/hooks.h"
#include "core/model/tensor_role.h"

namespace qs {

class Model;

struct StatsSettings {
  double outlierSigma = 6.0;           // k: an element is an outlier when |x - mean| > k * std
  double outlierChannelFactor = 10.0;  // m: a channel is an outlier when absmax > m * median absmax
};

// Mergeable central moments: m2, m3, m4 are sums of powers of deviations from the mean.
struct Moments {
  int64_t count = 0;
  double mean = 0, m2 = 0, m3 = 0, m4 = 0;

  void merge(const Moments& other);
  double variance() const { return count ? m2 / static_cast<double>(count) : 0.0; }
  double kurtosis() const;  // Pearson; 0 when the variance is 0
};

// Moments of n floats, two-pass within one block (the caller keeps blocks cache-sized).
Moments blockMoments(const float* x, int64_t n);

class TensorStats {
 public:
  explicit TensorStats(double outlierSigma = StatsSettings{}.outlierSigma) : outlierSigma_(outlierSigma) {}

  // x: [..., channels]; any dtype / device (a CUDA tensor is reduced on its device, anything else
  // copied to float32 CPU when needed). Every call must have the same last dimension. Throws
  // qs::Error otherwise.
  void add(const at::Tensor& x);
  // Per-channel view of K/V [batch, kv_heads, seq, head_dim]: channel = head * head_dim + d.
  void addKeyValue(const at::Tensor& kv);
  void merge(const TensorStats& other);

  const Moments& moments() const { return moments_; }
  int64_t count() const { return moments_.count; }
  double mean() const { return moments_.mean; }
  double std() const;
  double absmax() const { return absmax_; }
  double kurtosis() const { return moments_.kurtosis(); }
  int64_t outlierCount() const { return outliers_; }
  double outlierRatio() const;
  double outlierSigma() const { return outlierSigma_; }
  const std::vector<float>& channelAbsmax() const { return channelAbsmax_; }
  double medianChannelAbsmax() const;
  std::vector<int64_t> outlierChannels(double factor = StatsSettings{}.outlierChannelFactor) const;

  // {"count", "mean", "std", "absmax", "kurtosis", "outlier_ratio", "outlier_sigma",
  //  "median_channel_absmax", "outlier_channels", ["channel_absmax"]}
  nlohmann::json toJson(double channelFactor = StatsSettings{}.outlierChannelFactor, bool withProfile = true) const;

 private:
  Moments moments_;
  double absmax_ = 0;
  int64_t outliers_ = 0;
  double outlierSigma_;
  std::vector<float> channelAbsmax_;

  void addOnDevice(const at::Tensor& x);
};

struct TensorStatsKey {
  int layer = -1;
  TensorRole role = TensorRole::QProj;
  TensorKind kind = TensorKind::Activation;
  int expert = -1;
  auto operator<=>(const TensorStatsKey&) const = default;
};
using TensorStatsTable = std::map<TensorStatsKey, TensorStats>;

// A read-only hook: gathers activation (linear inputs) and K/V statistics over calibration batches.
class StatsCollector : public TensorHook {
 public:
  explicit StatsCollector(StatsSettings settings = {}, bool activations = true, bool keyValues = true)
      : settings_(settings), activations_(activations), keyValues_(keyValues) {}
  void operator()(const HookPoint& point, at::Tensor& x) override;

  TensorStatsTable table() const;
  const StatsSettings& settings() const { return settings_; }

 private:
  StatsSettings settings_;
  bool activations_, keyValues_;
  mutable std::mutex mutex_;
  TensorStatsTable table_;
};

// Weight statistics of every linear layer (channel = input feature); needs no data.
TensorStatsTable collectWeightStats(Model& model, const StatsSettings& settings = {});

// {"kurtosis": "pearson", "settings": {...}, "entries": [{"layer", "role", "kind", "expert", ...stats}]}
nlohmann::json statsTableToJson(const TensorStatsTable& table, const StatsSettings& settings, bool withProfiles = true);

}  // namespace qs
