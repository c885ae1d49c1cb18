#pragma once
// Aggregation of per-document metric samples into a value with a standard error.
//   mean                 mean of value; stderr = sample std / sqrt(n) (analytic)
//   ratio                sum(value) / sum(weight) (IFEval's instruction-level accuracy: followed
//                        instructions over all instructions); seeded bootstrap over documents
//   perplexity           exp(-mean(value)) over log-likelihoods; stderr by the delta method
//   weighted_perplexity  exp(-sum(value) / sum(weight)) (word / byte / token perplexity);
//                        stderr by a seeded bootstrap over documents
//   bits_per_byte        -sum(value) / sum(weight) / ln 2; seeded bootstrap
//   ece                  expected calibration error, 10 equal-width confidence bins, with
//                        value = correct (0/1) and confidence = the chosen answer's probability;
//                        seeded bootstrap
#include <cstdint>
#include <string>
#include <vector>

namespace qs {

struct Sample {
  double value = 0;
  double weight = 1;      // denominators of ratio aggregations (words, bytes, tokens)
  double confidence = 0;  // ece only
};

struct Estimate {
  double value = 0;
  double stderr = 0;
  int64_t n = 0;
};

bool isKnownAggregation(const std::string& name);
std::string knownAggregations();

// Throws qs::Error for an unknown aggregation.
Estimate aggregateSamples(const std::string& aggregation, const std::vector<Sample>& samples, uint64_t seed,
                          int bootstrapIterations = 1000);

// The point statistic alone (no stderr); used by the bootstrap and by tests.
double aggregateValue(const std::string& aggregation, const std::vector<Sample>& samples);

// Sample standard error of a mean (n - 1 in the variance); 0 for fewer than two values.
double meanStderr(const std::vector<double>& values);

// Expected calibration error with `bins` equal-width bins over [0, 1].
double expectedCalibrationError(const std::vector<double>& confidence, const std::vector<double>& correct, int bins = 10);

// Deterministic subsample: `limit` distinct indices of [0, n) in increasing order, chosen by a
// seeded shuffle (the same on every platform). limit >= n returns all indices.
std::vector<size_t> seededSubsample(size_t n, size_t limit, uint64_t seed);

}  // namespace qs
