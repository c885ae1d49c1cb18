// Relative error and SQNR of quantized tensors against hand-computed cases.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>

#include "core/base/error.h"
#include "quant/fake_quant.h"
#include "quant/quant_error.h"

class TestQuantError : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void handComputedTwoBitRow() {
    // W2 asymmetric, one group per row: qmax 3, scale 6/3 = 2, zero 0, x / scale = {0, 0.5, 1, 3}
    // rounds (half to even) to {0, 0, 1, 3}: W' = {0, 0, 2, 6}, error {0, -1, 0, 0},
    // rel = 1 / ||{0, 1, 2, 6}|| = 1 / sqrt(41).
    const auto w = at::tensor({0.f, 1.f, 2.f, 6.f}).view({1, 4});
    const auto q = qs::fakeQuantize(w, qs::QuantSpec::channel(2));
    const auto rel = qs::relativeError(q, w);
    QVERIFY(rel);
    QVERIFY(std::abs(*rel - 1.0 / std::sqrt(41.0)) < 1e-12);
    // The output for x = {1, 1, 1, 1}: y = 9, y_q = 8, rel 1/9, SQNR 20 log10(9) = 19.085 dB.
    const auto x = at::ones({1, 4});
    const auto outRel = qs::relativeError(at::linear(x, q), at::linear(x, w));
    QVERIFY(outRel);
    QVERIFY(std::abs(*outRel - 1.0 / 9.0) < 1e-12);
    QVERIFY(std::abs(qs::sqnrDb(*outRel) - 20 * std::log10(9.0)) < 1e-9);
  }

  void representableWeightHasNoErrorAndInfiniteSqnr() {
    // Every value on the W4 grid of its group: min -8/32, max 7/32, so scale 1/32 and zero 8 exactly.
    const auto w = (at::arange(16, at::kFloat) - 8).div(32).repeat({3, 2});  // [3, 32], group 16
    const auto q = qs::fakeQuantize(w, qs::QuantSpec::group(4, 16));
    const auto rel = qs::relativeError(q, w);
    QVERIFY(rel);
    QCOMPARE(*rel, 0.0);
    QVERIFY(std::isinf(qs::sqnrDb(*rel)) && qs::sqnrDb(*rel) > 0);
  }

  void sumIsOverEverythingNotAMeanOfRatios() {
    // Two calls: errors 3 and 0 on signals 4 and 10: sqrt(9 / (16 + 100)), not (3/4 + 0) / 2.
    qs::RelativeErrorSum sum;
    QVERIFY(sum.empty());
    QVERIFY(!sum.relativeError());
    sum.add(at::tensor({7.f}), at::tensor({4.f}));
    sum.add(at::tensor({0.f, 10.f}).view({1, 2}), at::tensor({0.f, 10.f}).view({1, 2}));
    QVERIFY(std::abs(*sum.relativeError() - std::sqrt(9.0 / 116.0)) < 1e-12);
    QCOMPARE(sum.rows(), int64_t{2});  // one row of [1] and one row of [1, 2]
    QVERIFY(!qs::relativeError(at::ones({2}), at::zeros({2})));  // no signal to compare with
    QVERIFY_THROWS_EXCEPTION(qs::Error, sum.add(at::ones({2}), at::ones({3})));
  }
};

QTEST_GUILESS_MAIN(TestQuantError)
#include "test_quant_error.moc"
