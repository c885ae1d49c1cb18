// McNemar's test and the paired t-test against textbook values, and item pairing.
#include <QtTest/QtTest>

#include <cmath>

#include "tasks/report/paired_comparison.h"

namespace {

qs::ItemRecord item(int64_t doc, std::optional<double> score, const std::string& id = "") {
  qs::ItemRecord it;
  it.item = doc;
  it.docIndex = doc;
  it.docId = id;
  it.score = score;
  return it;
}

}  // namespace

class TestPairedComparison : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mcnemarChiSquareTextbookExamples() {
    // Wikipedia, "McNemar's test": b = 121, c = 59; without the continuity correction the statistic
    // is (121 - 59)^2 / 180 = 21.35; with Yates' correction (62 - 1)^2 / 180 = 20.672.
    auto t = qs::mcnemar(121, 59);
    QVERIFY(std::abs(t.chiSquare - 3721.0 / 180.0) < 1e-12);
    QVERIFY(std::abs(t.pChiSquare - 5.4501e-6) < 1e-10);
    QVERIFY(t.pExact < 1e-5);
    // Agresti, Categorical Data Analysis, presidential approval: b = 150, c = 86; corrected 16.818.
    auto a = qs::mcnemar(150, 86);
    QVERIFY(std::abs(a.chiSquare - 63.0 * 63.0 / 236.0) < 1e-12);
    QVERIFY(std::abs(a.pChiSquare - 4.115e-5) < 2e-8);
  }

  void mcnemarExactByHand() {
    // Two-sided binomial: 2 * P(X <= min) with X ~ Binomial(b + c, 1/2).
    QVERIFY(std::abs(qs::mcnemar(1, 6).pExact - 2.0 * (1 + 7) / 128.0) < 1e-14);  // 0.125
    QVERIFY(std::abs(qs::mcnemar(0, 5).pExact - 2.0 / 32.0) < 1e-14);
    QVERIFY(std::abs(qs::mcnemar(9, 0).pExact - 2.0 / 512.0) < 1e-14);
    QCOMPARE(qs::mcnemar(3, 3).pExact, 1.0);  // capped at 1
    QCOMPARE(qs::mcnemar(0, 0).pExact, 1.0);
    // Symmetric in the direction of the difference.
    QCOMPARE(qs::mcnemar(2, 11).pExact, qs::mcnemar(11, 2).pExact);
    // Large counts stay finite (log-space sums): 5000 vs 5200 discordant pairs.
    auto big = qs::mcnemar(5000, 5200);
    QVERIFY(big.pExact > 0.04 && big.pExact < 0.06);
    QVERIFY(std::abs(big.pExact - big.pChiSquare) < 0.005);  // the two agree for large n
  }

  void studentT() {
    // t(10) two-sided 5% critical value 2.228139; t(1) is the Cauchy: P(|T| > 1) = 1/2.
    QVERIFY(std::abs(qs::studentTwoSidedP(2.228139, 10) - 0.05) < 2e-7);
    QVERIFY(std::abs(qs::studentTwoSidedP(-2.228139, 10) - 0.05) < 2e-7);
    QVERIFY(std::abs(qs::studentTwoSidedP(1.0, 1) - 0.5) < 1e-12);
    QVERIFY(std::abs(qs::studentTwoSidedP(12.706205, 1) - 0.05) < 1e-7);
    QCOMPARE(qs::studentTwoSidedP(0.0, 5), 1.0);
    // Large df approaches the normal: 1.959964 -> 0.05.
    QVERIFY(std::abs(qs::studentTwoSidedP(1.959964, 1e7) - 0.05) < 1e-6);
  }

  void pairsByDocumentAndCountsFlips() {
    std::vector<qs::ItemRecord> ref = {item(0, 1), item(1, 1), item(2, 0), item(3, 0), item(4, 1), item(9, 1)};
    std::vector<qs::ItemRecord> other = {item(4, 0), item(3, 1), item(2, 0), item(1, 1), item(0, 0), item(7, 1)};
    auto c = qs::compareItems(ref, other);
    QVERIFY(c.binary);
    QCOMPARE(c.paired, int64_t(5));
    QCOMPARE(c.unmatched, int64_t(2));  // doc 9 only in ref, doc 7 only in other
    QCOMPARE(c.bothCorrect, int64_t(1));
    QCOMPARE(c.bothWrong, int64_t(1));
    QCOMPARE(c.test.lost, int64_t(2));
    QCOMPARE(c.test.gained, int64_t(1));
    QCOMPARE(c.flips.size(), size_t(3));
    // Lost first, then gained, each in the other run's order.
    QCOMPARE(c.flips[0].other.docIndex, int64_t(4));
    QCOMPARE(c.flips[1].other.docIndex, int64_t(0));
    QCOMPARE(c.flips[2].other.docIndex, int64_t(3));
    QCOMPARE(c.referenceMean, 3.0 / 5.0);
    QCOMPARE(c.otherMean, 2.0 / 5.0);
  }

  void documentIdsKeepPartsApart() {
    // An average task's items share indices across parts; the id tells them apart.
    std::vector<qs::ItemRecord> ref = {item(0, 1, "a:0"), item(0, 1, "b:0")};
    std::vector<qs::ItemRecord> other = {item(0, 1, "b:0"), item(0, 0, "a:0")};
    auto c = qs::compareItems(ref, other);
    QCOMPARE(c.paired, int64_t(2));
    QCOMPARE(c.test.lost, int64_t(1));
    QCOMPARE(c.flips[0].other.docId, std::string("a:0"));
  }

  void nonBinaryScoresUseThePairedDifference() {
    // Perplexity windows: log-likelihoods. Differences -1, -2, -3: mean -2, stderr 1/sqrt(3),
    // t = -2 sqrt(3) with 2 degrees of freedom.
    std::vector<qs::ItemRecord> ref = {item(0, -10), item(1, -20), item(2, -30), item(3, std::nullopt)};
    std::vector<qs::ItemRecord> other = {item(0, -11), item(1, -22), item(2, -33), item(3, -1)};
    auto c = qs::compareItems(ref, other);
    QVERIFY(!c.binary);
    QCOMPARE(c.paired, int64_t(3));  // item 3 has no reference score
    QVERIFY(c.flips.empty());
    QCOMPARE(c.test.lost + c.test.gained, int64_t(0));
    QVERIFY(std::abs(c.meanDifference + 2) < 1e-12);
    QVERIFY(std::abs(c.meanDifferenceStderr - 1 / std::sqrt(3.0)) < 1e-12);
    QVERIFY(std::abs(c.pairedTP - qs::studentTwoSidedP(-2 * std::sqrt(3.0), 2)) < 1e-12);
    // By hand: P(|T_2| > t) = 1 - t / sqrt(2 + t^2).
    const double t = 2 * std::sqrt(3.0);
    QVERIFY(std::abs(c.pairedTP - (1 - t / std::sqrt(2 + t * t))) < 1e-12);
  }
};

QTEST_APPLESS_MAIN(TestPairedComparison)
#include "test_paired_comparison.moc"
