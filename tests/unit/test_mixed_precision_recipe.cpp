// Mixed-precision recipes from a sensitivity ranking: the largest k within the bits-per-weight
// target, exactly the top-k linears kept, and a name that parses back to the same configuration.
#include <QtTest/QtTest>

#include "core/base/error.h"
#include "quant/mixed_precision_recipe.h"

namespace {

using qs::TensorRole;

// Two layers of a q_proj [128, 128] and a down_proj [128, 256]: 98304 weights. W3 g128 asymmetric
// costs 3 + 32/128 = 3.25 bits per weight, W8 g128 8.25, so keeping n weights at 8 bits adds
// 5 n / 98304 bits per weight.
std::vector<qs::LinearShape> shapes() {
  return {{0, TensorRole::QProj, 128, 128}, {0, TensorRole::DownProj, 128, 256},
          {1, TensorRole::QProj, 128, 128}, {1, TensorRole::DownProj, 128, 256}};
}

// Most sensitive first: L1 q_proj, L0 down_proj, L0 q_proj, L1 down_proj.
std::vector<qs::RankedLinear> ranking() {
  return {{1, TensorRole::QProj}, {0, TensorRole::DownProj}, {0, TensorRole::QProj}, {1, TensorRole::DownProj}};
}

int weightBits(const qs::QuantConfig& c, int layer, TensorRole role) {
  const auto spec = c.weightSpecFor(layer, role);
  return spec ? spec->bits : 16;
}

}  // namespace

class TestMixedPrecisionRecipe : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void largestKWithinTheTarget() {
    const auto base = qs::QuantConfig::parse("W3");
    // k = 1: 3.25 + 5 * 16384 / 98304 = 4.0833; k = 2 would be 5.75 > 4.5.
    const auto r = qs::mixedPrecisionRecipe(base, ranking(), 8, 4.5, shapes());
    QVERIFY(r.meetsTarget);
    QCOMPARE(r.kept.size(), size_t{1});
    QCOMPARE(r.name, std::string("W3A16KV16-g128-w8.q_proj.L1"));
    QVERIFY(std::abs(r.bitsPerWeight - (3.25 + 5.0 * 16384 / 98304)) < 1e-12);
    QCOMPARE(r.baseBitsPerWeight, 3.25);
    QVERIFY(r.bitsPerWeight <= 4.5);
  }

  void keepsExactlyTheTopKAndNameRoundTrips() {
    const auto base = qs::QuantConfig::parse("W3");
    // k = 2 lands exactly on the target: 3.25 + 5 * 49152 / 98304 = 5.75 (at or below counts).
    const auto r = qs::mixedPrecisionRecipe(base, ranking(), 8, 5.75, shapes());
    QCOMPARE(r.kept.size(), size_t{2});
    QCOMPARE(r.bitsPerWeight, 5.75);
    QCOMPARE(weightBits(r.config, 1, TensorRole::QProj), 8);
    QCOMPARE(weightBits(r.config, 0, TensorRole::DownProj), 8);
    QCOMPARE(weightBits(r.config, 0, TensorRole::QProj), 3);
    QCOMPARE(weightBits(r.config, 1, TensorRole::DownProj), 3);
    QCOMPARE(weightBits(r.config, 1, TensorRole::KProj), 3);  // a linear the ranking never named
    // Rules in layer order whatever the ranking's order, so one set of linears has one name.
    QCOMPARE(r.name, std::string("W3A16KV16-g128-w8.down_proj.L0-w8.q_proj.L1"));
    QCOMPARE(qs::QuantConfig::parse(r.name).name(), r.name);
    QVERIFY(qs::QuantConfig::parse(r.name) == r.config);
  }

  void everythingKeptWhenTheTargetAllows() {
    const auto r = qs::mixedPrecisionRecipe(qs::QuantConfig::parse("W4A8-g128"), ranking(), 8, 16, shapes());
    QCOMPARE(r.kept.size(), size_t{4});
    QCOMPARE(r.bitsPerWeight, 8.25);
    QCOMPARE(qs::QuantConfig::parse(r.name).name(), r.name);
    QVERIFY(r.name.rfind("W4A8KV16-g128-", 0) == 0);  // activations stay as the base has them
  }

  void baseAboveTargetKeepsNothing() {
    const auto base = qs::QuantConfig::parse("W3");
    const auto r = qs::mixedPrecisionRecipe(base, ranking(), 8, 3.0, shapes());
    QVERIFY(!r.meetsTarget);
    QVERIFY(r.kept.empty());
    QCOMPARE(r.name, base.name());
  }

  void refusesWhatCannotBeARecipe() {
    const auto w3 = qs::QuantConfig::parse("W3");
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::mixedPrecisionRecipe(w3, ranking(), 3, 8, shapes()));  // not above
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::mixedPrecisionRecipe(qs::QuantConfig::parse("W8A8"), ranking(), 8, 8,
                                                                 shapes()));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::mixedPrecisionRecipe(qs::QuantConfig::parse("W16A8"), ranking(), 8, 8,
                                                                 shapes()));
    try {
      qs::mixedPrecisionRecipe(qs::QuantConfig::parse("W3-g128-gptq"), ranking(), 8, 8, shapes());
      QFAIL("gptq accepted precision rules");
    } catch (const qs::Error& e) {
      QVERIFY2(std::string(e.what()).find("gptq") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestMixedPrecisionRecipe)
#include "test_mixed_precision_recipe.moc"
