#include "tasks/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/base/error.h"

namespace qs {
namespace {

const std::vector<std::string>& aggregations() {
  static const std::vector<std::string> a{"mean", "ratio", "perplexity", "weighted_perplexity", "bits_per_byte", "ece"};
  return a;
}

double mean(const std::vector<Sample>& s) {
  if (s.empty()) return std::nan("");
  double sum = 0;
  for (const auto& x : s) sum += x.value;
  return sum / static_cast<double>(s.size());
}

double ratio(const std::vector<Sample>& s) {
  double v = 0, w = 0;
  for (const auto& x : s) {
    v += x.value;
    w += x.weight;
  }
  return w > 0 ? v / w : std::nan("");
}

double bootstrapStderr(const std::string& aggregation, const std::vector<Sample>& samples, uint64_t seed, int iters) {
  if (samples.size() < 2 || iters < 2) return 0;
  std::mt19937_64 rng(seed);
  std::vector<Sample> draw(samples.size());
  std::vector<double> stats;
  stats.reserve(iters);
  for (int it = 0; it < iters; ++it) {
    for (auto& d : draw) d = samples[rng() % samples.size()];
    double v = aggregateValue(aggregation, draw);
    if (std::isfinite(v)) stats.push_back(v);
  }
  return meanStderr(stats) * std::sqrt(static_cast<double>(stats.size()));
}

}  // namespace

bool isKnownAggregation(const std::string& name) {
  const auto& a = aggregations();
  return std::find(a.begin(), a.end(), name) != a.end();
}

std::string knownAggregations() {
  std::string out;
  for (const auto& a : aggregations()) out += (out.empty() ? "" : ", ") + a;
  return out;
}

double meanStderr(const std::vector<double>& values) {
  size_t n = values.size();
  if (n < 2) return 0;
  double m = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(n);
  double ss = 0;
  for (double v : values) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
}

double expectedCalibrationError(const std::vector<double>& confidence, const std::vector<double>& correct, int bins) {
  if (confidence.empty()) return std::nan("");
  std::vector<double> conf(bins, 0), acc(bins, 0), count(bins, 0);
  for (size_t i = 0; i < confidence.size(); ++i) {
    int b = std::clamp(static_cast<int>(confidence[i] * bins), 0, bins - 1);
    conf[b] += confidence[i];
    acc[b] += correct[i];
    count[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b)
    if (count[b] > 0) ece += std::fabs(acc[b] - conf[b]) / static_cast<double>(confidence.size());
  return ece;
}

double aggregateValue(const std::string& aggregation, const std::vector<Sample>& s) {
  if (aggregation == "mean") return mean(s);
  if (aggregation == "ratio") return ratio(s);
  if (aggregation == "perplexity") return std::exp(-mean(s));
  if (aggregation == "weighted_perplexity") return std::exp(-ratio(s));
  if (aggregation == "bits_per_byte") return -ratio(s) / std::log(2.0);
  if (aggregation == "ece") {
    std::vector<double> conf, correct;
    for (const auto& x : s) {
      conf.push_back(x.confidence);
      correct.push_back(x.value);
    }
    return expectedCalibrationError(conf, correct);
  }
  throw Error("unknown aggregation '" + aggregation + "' (known: " + knownAggregations() + ")");
}

Estimate aggregateSamples(const std::string& aggregation, const std::vector<Sample>& samples, uint64_t seed,
                          int bootstrapIterations) {
  Estimate e;
  e.n = static_cast<int64_t>(samples.size());
  e.value = aggregateValue(aggregation, samples);
  if (aggregation == "mean" || aggregation == "perplexity") {
    std::vector<double> v;
    v.reserve(samples.size());
    for (const auto& x : samples) v.push_back(x.value);
    double se = meanStderr(v);
    e.stderr = aggregation == "mean" ? se : e.value * se;
  } else {
    e.stderr = bootstrapStderr(aggregation, samples, seed, bootstrapIterations);
  }
  return e;
}

std::vector<size_t> seededSubsample(size_t n, size_t limit, uint64_t seed) {
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  if (limit >= n) return idx;
  std::mt19937_64 rng(seed);
  // Fisher-Yates with rng() % k: std::shuffle's distribution is implementation-defined.
  for (size_t i = n - 1; i > 0; --i) std::swap(idx[i], idx[rng() % (i + 1)]);
  idx.resize(limit);
  std::sort(idx.begin(), idx.end());
  return idx;
}

}  // namespace qs
