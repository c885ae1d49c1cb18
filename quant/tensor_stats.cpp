#include "quant/tensor_stats.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/base/error.h"
#include "core/model/model.h"

namespace qs {
namespace {

constexpr int64_t kBlock = 1 << 14;  // elements per block: 64 KiB of float, reduced in L2

at::Tensor asCpuFloat(const at::Tensor& x) {
  return x.detach().to(c10::Device(c10::kCPU), at::kFloat).contiguous();
}

int64_t countOutliers(const float* x, int64_t n, double mean, double threshold) {
  int64_t count = 0;
#pragma omp simd reduction(+ : count)
  for (int64_t i = 0; i < n; ++i) count += std::fabs(static_cast<double>(x[i]) - mean) > threshold;
  return count;
}

// Channel absmax of the elements [begin, end) of a [rows, channels] array, into cmax.
void accumulateChannelAbsmax(const float* x, int64_t begin, int64_t end, int64_t channels, float* cmax) {
  int64_t pos = begin;
  while (pos < end) {
    const int64_t c0 = pos % channels;
    const int64_t len = std::min(end - pos, channels - c0);
    const float* row = x + pos;
    float* m = cmax + c0;
#pragma omp simd
    for (int64_t j = 0; j < len; ++j) m[j] = std::max(m[j], std::fabs(row[j]));
    pos += len;
  }
}

}  // namespace

void Moments::merge(const Moments& o) {
  if (o.count == 0) return;
  if (count == 0) {
    *this = o;
    return;
  }
  const double na = static_cast<double>(count), nb = static_cast<double>(o.count), n = na + nb;
  const double delta = o.mean - mean, d2 = delta * delta;
  const double m2n = m2 + o.m2 + d2 * na * nb / n;
  const double m3n = m3 + o.m3 + d2 * delta * na * nb * (na - nb) / (n * n) + 3.0 * delta * (na * o.m2 - nb * m2) / n;
  const double m4n = m4 + o.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                     6.0 * d2 * (na * na * o.m2 + nb * nb * m2) / (n * n) + 4.0 * delta * (na * o.m3 - nb * m3) / n;
  mean += delta * nb / n;
  m2 = m2n;
  m3 = m3n;
  m4 = m4n;
  count += o.count;
}

double Moments::kurtosis() const {
  if (count == 0 || m2 <= 0) return 0.0;
  return static_cast<double>(count) * m4 / (m2 * m2);
}

Moments blockMoments(const float* x, int64_t n) {
  if (n <= 0) return {};
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const double mean = sum / static_cast<double>(n);
  double m2 = 0, m3 = 0, m4 = 0;
#pragma omp simd reduction(+ : m2, m3, m4)
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mean, dd = d * d;
    m2 += dd;
    m3 += dd * d;
    m4 += dd * dd;
  }
  return {n, mean, m2, m3, m4};
}

void TensorStats::addOnDevice(const at::Tensor& input) {
  // A GPU tensor is reduced where it lives: copying every hooked activation to the host would cost
  // more than the forward itself. Moments in float64 on the device, one block per call (the
  // per-call moments then merge exactly as the CPU's blocks do); a handful of scalars come back.
  const int64_t channels = input.dim() == 0 ? 1 : input.size(-1);
  const at::Tensor x = input.detach().reshape({-1, channels});
  const at::Tensor xd = x.to(at::kDouble);
  const int64_t n = x.numel();
  const at::Tensor mean = xd.mean();
  const at::Tensor d = xd - mean;
  const at::Tensor d2 = d * d;
  const at::Tensor m2 = d2.sum();
  const at::Tensor threshold = outlierSigma_ * (m2 / static_cast<double>(n)).sqrt();
  const at::Tensor packed = at::stack({mean, m2, (d2 * d).sum(), (d2 * d2).sum(),
                                       d.abs().gt(threshold).sum().to(at::kDouble)})
                                .cpu();
  const double* v = packed.data_ptr<double>();
  const at::Tensor cmax = x.abs().amax(0).to(at::kFloat).cpu().contiguous();
  if (channelAbsmax_.empty()) channelAbsmax_.assign(channels, 0.f);
  const float* c = cmax.data_ptr<float>();
  for (int64_t i = 0; i < channels; ++i) channelAbsmax_[i] = std::max(channelAbsmax_[i], c[i]);
  moments_.merge(Moments{n, v[0], v[1], v[2], v[3]});
  outliers_ += static_cast<int64_t>(v[4]);
  for (float a : channelAbsmax_) absmax_ = std::max(absmax_, static_cast<double>(a));
}

void TensorStats::add(const at::Tensor& input) {
  if (!input.defined() || input.numel() == 0) return;
  if (input.is_cuda()) {
    const int64_t channels = input.dim() == 0 ? 1 : input.size(-1);
    if (!channelAbsmax_.empty() && static_cast<int64_t>(channelAbsmax_.size()) != channels)
      throw Error("tensor statistics: last dimension " + std::to_string(channels) + " differs from the " +
                  std::to_string(channelAbsmax_.size()) + " channels seen before");
    addOnDevice(input);
    return;
  }
  const at::Tensor x = asCpuFloat(input);
  const int64_t n = x.numel();
  const int64_t channels = x.dim() == 0 ? 1 : x.size(-1);
  if (channelAbsmax_.empty()) {
    channelAbsmax_.assign(channels, 0.f);
  } else if (static_cast<int64_t>(channelAbsmax_.size()) != channels) {
    throw Error("tensor statistics: last dimension " + std::to_string(channels) + " differs from the " +
                std::to_string(channelAbsmax_.size()) + " channels seen before");
  }
  const float* data = x.data_ptr<float>();
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<Moments> perBlock(blocks);
  std::mutex merging;
  at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> cmax(channels, 0.f);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t lo = b * kBlock, hi = std::min(n, lo + kBlock);
      perBlock[b] = blockMoments(data + lo, hi - lo);
      accumulateChannelAbsmax(data, lo, hi, channels, cmax.data());
    }
    std::lock_guard lock(merging);
    for (int64_t c = 0; c < channels; ++c) channelAbsmax_[c] = std::max(channelAbsmax_[c], cmax[c]);
  });
  Moments call;
  for (const auto& m : perBlock) call.merge(m);  // in block order: independent of the thread count

  const double threshold = outlierSigma_ * std::sqrt(call.variance());
  std::vector<int64_t> outliers(blocks, 0);
  at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t lo = b * kBlock, hi = std::min(n, lo + kBlock);
      outliers[b] = countOutliers(data + lo, hi - lo, call.mean, threshold);
    }
  });
  for (int64_t o : outliers) outliers_ += o;
  moments_.merge(call);
  for (float c : channelAbsmax_) absmax_ = std::max(absmax_, static_cast<double>(c));
}

void TensorStats::addKeyValue(const at::Tensor& kv) {
  if (kv.dim() != 4) throw Error("tensor statistics: K/V must be [batch, kv_heads, seq, head_dim]");
  add(kv.permute({0, 2, 1, 3}).reshape({-1, kv.size(1) * kv.size(3)}));
}

void TensorStats::merge(const TensorStats& other) {
  if (other.count() == 0) return;
  if (!channelAbsmax_.empty() && channelAbsmax_.size() != other.channelAbsmax_.size())
    throw Error("tensor statistics: cannot merge " + std::to_string(other.channelAbsmax_.size()) + " channels into " +
                std::to_string(channelAbsmax_.size()));
  if (channelAbsmax_.empty()) channelAbsmax_.assign(other.channelAbsmax_.size(), 0.f);
  for (size_t c = 0; c < channelAbsmax_.size(); ++c) channelAbsmax_[c] = std::max(channelAbsmax_[c], other.channelAbsmax_[c]);
  moments_.merge(other.moments_);
  absmax_ = std::max(absmax_, other.absmax_);
  outliers_ += other.outliers_;
}

double TensorStats::std() const { return std::sqrt(moments_.variance()); }

double TensorStats::outlierRatio() const {
  return count() ? static_cast<double>(outliers_) / static_cast<double>(count()) : 0.0;
}

double TensorStats::medianChannelAbsmax() const {
  if (channelAbsmax_.empty()) return 0.0;
  std::vector<float> v = channelAbsmax_;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  if (v.size() % 2) return v[mid];
  const float upper = v[mid];
  const float lower = *std::max_element(v.begin(), v.begin() + mid);
  return 0.5 * (static_cast<double>(lower) + upper);
}

std::vector<int64_t> TensorStats::outlierChannels(double factor) const {
  const double limit = factor * medianChannelAbsmax();
  std::vector<int64_t> out;
  for (size_t c = 0; c < channelAbsmax_.size(); ++c)
    if (channelAbsmax_[c] > limit) out.push_back(static_cast<int64_t>(c));
  return out;
}

nlohmann::json TensorStats::toJson(double channelFactor, bool withProfile) const {
  nlohmann::json j{{"count", count()},
                   {"mean", mean()},
                   {"std", std()},
                   {"absmax", absmax()},
                   {"kurtosis", kurtosis()},
                   {"outlier_ratio", outlierRatio()},
                   {"outlier_sigma", outlierSigma_},
                   {"median_channel_absmax", medianChannelAbsmax()},
                   {"outlier_channels", outlierChannels(channelFactor)}};
  if (withProfile) j["channel_absmax"] = channelAbsmax_;
  return j;
}

void StatsCollector::operator()(const HookPoint& point, at::Tensor& x) {
  const bool kv = point.kind == TensorKind::Key || point.kind == TensorKind::Value;
  if (kv ? !keyValues_ : (point.kind != TensorKind::Activation || !activations_)) return;
  TensorStats block(settings_.outlierSigma);
  if (kv)
    block.addKeyValue(x);
  else
    block.add(x);
  std::lock_guard lock(mutex_);
  TensorStatsKey key{point.layer, point.role, point.kind, point.expert};
  auto [it, inserted] = table_.try_emplace(key, settings_.outlierSigma);
  it->second.merge(block);
}

TensorStatsTable StatsCollector::table() const {
  std::lock_guard lock(mutex_);
  return table_;
}

TensorStatsTable collectWeightStats(Model& model, const StatsSettings& settings) {
  TensorStatsTable table;
  for (const auto& lw : model.linearWeights()) {
    if (!lw.weight || !lw.weight->defined()) continue;
    TensorStatsKey key{lw.layer, lw.role, TensorKind::Weight, lw.expert};
    auto [it, inserted] = table.try_emplace(key, settings.outlierSigma);
    it->second.add(*lw.weight);
  }
  for (const auto& p : model.otherParameters()) {
    if (!p.weight || !p.weight->defined()) continue;
    TensorStatsKey key{p.layer, p.role, TensorKind::Weight, p.expert};
    auto [it, inserted] = table.try_emplace(key, settings.outlierSigma);
    it->second.add(p.weight->reshape({p.weight->size(0), -1}));
  }
  return table;
}

nlohmann::json statsTableToJson(const TensorStatsTable& table, const StatsSettings& settings, bool withProfiles) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [key, stats] : table) {
    nlohmann::json e = stats.toJson(settings.outlierChannelFactor, withProfiles);
    e["layer"] = key.layer;
    e["role"] = roleName(key.role);
    e["kind"] = kindName(key.kind);
    e["expert"] = key.expert;
    entries.push_back(std::move(e));
  }
  return {{"kurtosis", "pearson"},
          {"std", "population"},
          {"settings",
           {{"outlier_sigma", settings.outlierSigma}, {"outlier_channel_factor", settings.outlierChannelFactor}}},
          {"entries", std::move(entries)}};
}

}  // namespace qs
