#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>

#include "core/base/error.h"
#include "quant/tensor_stats.h"

namespace {

// Deterministic on every platform and libtorch version: splitmix64 + Box-Muller.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  double uniform() {  // (0, 1)
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (static_cast<double>(z >> 11) + 0.5) / 9007199254740992.0;
  }
  double normal() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  }
  double studentT3() {
    const double z = normal();
    double v = 0;
    for (int i = 0; i < 3; ++i) v += std::pow(normal(), 2);
    return z / std::sqrt(v / 3.0);
  }

 private:
  uint64_t state_;
};

struct Reference {
  long double mean, std, kurtosis;
  int64_t outliers;
};

// Plain two-pass reference in long double.
Reference twoPass(const float* x, int64_t n, double k) {
  long double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const long double mean = sum / n;
  long double m2 = 0, m4 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const long double d = x[i] - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  const long double var = m2 / n;
  const long double sd = std::sqrt(var);
  int64_t outliers = 0;
  for (int64_t i = 0; i < n; ++i) outliers += std::fabs(static_cast<long double>(x[i]) - mean) > k * sd;
  return {mean, sd, (m4 / n) / (var * var), outliers};
}

}  // namespace

class TestTensorStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // 10^7 Student-t(3) values against a long-double two-pass reference. Bound: relative error
  // 1e-12 for std and kurtosis, 1e-12 std for the mean (measured: ~1e-15; double sums within
  // 16K-element blocks, ~610 merges, so a few hundred eps at worst).
  void heavyTailedAgainstTwoPassReference() {
    const int64_t n = 10'000'000;
    at::Tensor x = at::empty({n / 1000, 1000});
    Rng rng(42);
    float* p = x.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(rng.studentT3() * 0.5 + 0.25);
    const Reference ref = twoPass(p, n, 6.0);

    qs::TensorStats stats;
    stats.add(x);
    QCOMPARE(stats.count(), n);
    const double meanErr = std::fabs(stats.mean() - static_cast<double>(ref.mean)) / static_cast<double>(ref.std);
    const double stdErr = std::fabs(stats.std() / static_cast<double>(ref.std) - 1);
    const double kurtErr = std::fabs(stats.kurtosis() / static_cast<double>(ref.kurtosis) - 1);
    qInfo("t3, n=1e7: kurtosis %.3f; errors: mean %.2e std, std %.2e, kurtosis %.2e; outliers %lld vs %lld",
          stats.kurtosis(), meanErr, stdErr, kurtErr, static_cast<long long>(stats.outlierCount()),
          static_cast<long long>(ref.outliers));
    QVERIFY(meanErr < 1e-12);
    QVERIFY(stdErr < 1e-12);
    QVERIFY(kurtErr < 1e-12);
    QVERIFY(stats.kurtosis() > 20);  // heavy tails: far above a normal's 3
    QCOMPARE(stats.outlierCount(), ref.outliers);
    float absmax = 0;
    for (int64_t i = 0; i < n; ++i) absmax = std::max(absmax, std::fabs(p[i]));
    QCOMPARE(stats.absmax(), static_cast<double>(absmax));

    // Adding in pieces and merging gives the same moments.
    qs::TensorStats pieces, other;
    pieces.add(x.slice(0, 0, 3333));
    other.add(x.slice(0, 3333));
    pieces.merge(other);
    QVERIFY(std::fabs(pieces.std() / stats.std() - 1) < 1e-12);
    QVERIFY(std::fabs(pieces.kurtosis() / stats.kurtosis() - 1) < 1e-12);
    QVERIFY(std::fabs(pieces.mean() - stats.mean()) < 1e-12 * stats.std());
  }

  void knownDistributions() {
    Rng rng(7);
    at::Tensor gauss = at::empty({1000, 1000}), uni = at::empty({1000, 1000});
    for (int64_t i = 0; i < gauss.numel(); ++i) {
      gauss.data_ptr<float>()[i] = static_cast<float>(rng.normal() * 2 + 1);
      uni.data_ptr<float>()[i] = static_cast<float>(rng.uniform());
    }
    qs::TensorStats g, u;
    g.add(gauss);
    u.add(uni);
    QVERIFY(std::fabs(g.kurtosis() - 3.0) < 0.03);  // sd of the estimate ~ sqrt(24 / n) = 0.005
    QVERIFY(std::fabs(g.std() - 2.0) < 0.01);
    QVERIFY(std::fabs(g.mean() - 1.0) < 0.01);
    QVERIFY(std::fabs(u.kurtosis() - 1.8) < 0.01);
    QCOMPARE(g.outlierCount(), int64_t(0));  // P(|z| > 6) ~ 2e-9
    // A constant tensor: std 0, kurtosis reported as 0, no outliers, no NaN.
    qs::TensorStats c;
    c.add(at::full({10, 10}, 3.0));
    QCOMPARE(c.std(), 0.0);
    QCOMPARE(c.kurtosis(), 0.0);
    QCOMPARE(c.outlierRatio(), 0.0);
  }

  void channelProfileAndOutlierChannels() {
    at::Tensor x = at::randn({256, 64});
    x.select(1, 5).mul_(100);
    x.select(1, 40).mul_(50);
    qs::TensorStats s;
    s.add(x);
    QCOMPARE(s.channelAbsmax().size(), size_t(64));
    QCOMPARE(static_cast<double>(s.channelAbsmax()[5]), x.select(1, 5).abs().max().item<double>());
    QCOMPARE(s.outlierChannels(10.0), (std::vector<int64_t>{5, 40}));
    QCOMPARE(s.outlierChannels(70.0), (std::vector<int64_t>{5}));
    // The outlier ratio counts the elements beyond 6 sigma: only the scaled channels have them.
    QVERIFY(s.outlierRatio() > 0 && s.outlierRatio() < 2.0 / 64);
    // A different channel count later is an error naming both.
    QVERIFY_THROWS_EXCEPTION(qs::Error, s.add(at::randn({4, 32})));
  }

  void keyValueChannelsAreHeadAndDim() {
    at::Tensor kv = at::randn({2, 4, 16, 8});  // [batch, heads, seq, head_dim]
    kv.select(1, 2).select(2, 3).mul_(1000);   // head 2, dim 3
    qs::TensorStats s;
    s.addKeyValue(kv);
    QCOMPARE(s.channelAbsmax().size(), size_t(32));
    QCOMPARE(s.outlierChannels(), (std::vector<int64_t>{2 * 8 + 3}));
  }

  void collectorHookAndJson() {
    qs::StatsCollector collector;
    at::Tensor a = at::randn({2, 5, 16});
    at::Tensor copy = a.clone();
    collector(qs::HookPoint{3, qs::TensorRole::QProj, qs::TensorKind::Activation}, a);
    collector(qs::HookPoint{3, qs::TensorRole::QProj, qs::TensorKind::Activation}, a);
    at::Tensor k = at::randn({1, 2, 5, 4});
    collector(qs::HookPoint{3, qs::TensorRole::KProj, qs::TensorKind::Key}, k);
    QVERIFY(at::equal(a, copy));  // read only
    const auto table = collector.table();
    QCOMPARE(table.size(), size_t(2));
    const auto& q = table.at({3, qs::TensorRole::QProj, qs::TensorKind::Activation, -1});
    QCOMPARE(q.count(), int64_t(320));
    QVERIFY(std::fabs(q.std() - a.to(at::kDouble).std(c10::nullopt, false).item<double>()) < 1e-12);
    const auto j = qs::statsTableToJson(table, collector.settings());
    QCOMPARE(j.at("kurtosis").get<std::string>(), std::string("pearson"));
    QCOMPARE(j.at("entries").size(), size_t(2));
    const auto& e = j.at("entries")[0];
    QCOMPARE(e.at("role").get<std::string>(), std::string("q_proj"));
    QCOMPARE(e.at("kind").get<std::string>(), std::string("activation"));
    QCOMPARE(e.at("channel_absmax").size(), size_t(16));
    QCOMPARE(j.at("entries")[1].at("kind").get<std::string>(), std::string("key"));
    QCOMPARE(j.at("entries")[1].at("channel_absmax").size(), size_t(8));
  }
};

QTEST_GUILESS_MAIN(TestTensorStats)
#include "test_tensor_stats.moc"
