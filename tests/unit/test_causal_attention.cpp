// blocks::attention on long prompts attends block by block to the visible key prefix only; the
// result must be the full-square computation's for every real token (padding rows excepted).
#include <QtTest/QtTest>

#include <ATen/ATen.h>

#include "core/model/blocks.h"

namespace {

// The textbook computation over the whole square, in double.
at::Tensor reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                     double scale) {
  const int64_t rep = q.size(1) / k.size(1);
  auto kk = k.to(at::kDouble).repeat_interleave(rep, 1), vv = v.to(at::kDouble).repeat_interleave(rep, 1);
  auto scores = at::matmul(q.to(at::kDouble), kk.transpose(-1, -2)) * scale + bias.to(at::kDouble);
  return at::matmul(at::softmax(scores, -1), vv).to(at::kFloat);
}

}  // namespace

class TestCausalAttention : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void longPromptMatchesTheFullSquare_data() {
    QTest::addColumn<int>("newTokens");
    QTest::addColumn<int>("pastTokens");
    QTest::addColumn<int>("leftPadding");
    QTest::newRow("prompt 600") << 600 << 0 << 0;
    QTest::newRow("prompt 1037, uneven last block") << 1037 << 0 << 0;
    QTest::newRow("prompt 700 after 90 cached tokens") << 700 << 90 << 0;
    QTest::newRow("prompt 640, second row left-padded by 45") << 640 << 0 << 45;
  }

  void longPromptMatchesTheFullSquare() {
    QFETCH(int, newTokens);
    QFETCH(int, pastTokens);
    QFETCH(int, leftPadding);
    at::manual_seed(7);
    const int64_t B = 2, H = 4, G = 2, D = 16, S = newTokens, T = newTokens + pastTokens;
    auto q = at::randn({B, H, S, D}), k = at::randn({B, G, T, D}), v = at::randn({B, G, T, D});
    auto mask = at::ones({B, T}, at::kLong);
    if (leftPadding) mask[1].narrow(0, 0, leftPadding).fill_(0);
    auto bias = qs::blocks::causalBias(mask, S, at::kFloat);

    auto got = qs::blocks::attention(q, k, v, bias, 0.25);
    auto want = reference(q, k, v, bias, 0.25);
    QCOMPARE(got.sizes().vec(), want.sizes().vec());
    // Compare the rows of real tokens: a padding query sees no key and its output is never read.
    auto real = mask.narrow(1, pastTokens, S).to(at::kBool).view({B, 1, S, 1}).expand_as(got);
    const double diff = (got - want).abs().masked_select(real).max().item<double>();
    QVERIFY2(diff < 1e-5, qPrintable(QString("max |diff| %1").arg(diff)));
  }
};

QTEST_GUILESS_MAIN(TestCausalAttention)
#include "test_causal_attention.moc"
