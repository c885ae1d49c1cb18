// Spearman's rank correlation against textbook values, with and without ties.
#include <QtTest/QtTest>

#include <cmath>

#include "tasks/report/spearman.h"

class TestSpearman : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void averageRanksShareTies() {
    QCOMPARE(qs::averageRanks({10, 20, 20, 30}), (std::vector<double>{1, 2.5, 2.5, 4}));
    QCOMPARE(qs::averageRanks({3, 1, 2}), (std::vector<double>{3, 1, 2}));
    QCOMPARE(qs::averageRanks({5, 5, 5}), (std::vector<double>{2, 2, 2}));
  }

  void wikipediaExample() {
    // Wikipedia, "Spearman's rank correlation coefficient": IQ against hours of TV per week,
    // rho = -29/165 (no ties, so the d^2 formula gives the same value).
    const std::vector<double> iq{106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
    const std::vector<double> tv{7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
    auto rho = qs::spearman(iq, tv);
    QVERIFY(rho);
    QVERIFY(std::abs(*rho - (-29.0 / 165.0)) < 1e-12);
  }

  void tiesUseAverageRanks() {
    // Ranks x = {1, 2.5, 2.5, 4}, y = {1, 2, 3, 4}: Pearson of the ranks = 4.5 / sqrt(4.5 * 5).
    auto rho = qs::spearman({1, 2, 2, 3}, {10, 20, 30, 40});
    QVERIFY(rho);
    QVERIFY(std::abs(*rho - 4.5 / std::sqrt(4.5 * 5.0)) < 1e-12);
    // Monotone but not linear: exactly 1 and -1.
    QCOMPARE(*qs::spearman({1, 2, 3, 4}, {1, 8, 27, 64}), 1.0);
    QCOMPARE(*qs::spearman({1, 2, 3, 4}, {64, 27, 8, 1}), -1.0);
  }

  void undefinedCases() {
    QVERIFY(!qs::spearman({1, 2}, {1, 2}));              // too few pairs
    QVERIFY(!qs::spearman({1, 2, 3}, {1, 2}));           // lengths differ
    QVERIFY(!qs::spearman({1, 1, 1, 1}, {1, 2, 3, 4}));  // constant: no ranking
  }
};

QTEST_APPLESS_MAIN(TestSpearman)
#include "test_spearman.moc"
