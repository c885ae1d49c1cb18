// Spearman's rank correlation with average ranks for ties, against hand-computed values.
#include <QtTest/QtTest>

#include <cmath>

#include "core/base/error.h"
#include "tasks/report/rank_correlation.h"

class TestRankCorrelation : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tiedValuesShareTheMeanRank() {
    const std::vector<double> pair = qs::averageRanks(std::vector<double>{10, 20, 20, 30});
    QCOMPARE(pair, (std::vector<double>{1, 2.5, 2.5, 4}));
    // Three-way tie in unsorted input: ranks 2, 3, 4 -> 3 each.
    const std::vector<double> triple = qs::averageRanks(std::vector<double>{5, 1, 5, 9, 5});
    QCOMPARE(triple, (std::vector<double>{3, 1, 3, 5, 3}));
  }

  void handComputedExampleWithTies() {
    // x ranks {1, 2.5, 2.5, 4, 5}, y ranks {2, 1, 3.5, 3.5, 5}; deviations from the mean rank 3:
    // sum dx*dy = 2 + 1 - 0.25 + 0.5 + 4 = 7.25, sum dx^2 = sum dy^2 = 9.5, rho = 7.25 / 9.5.
    const std::vector<double> x{1, 2, 2, 3, 4}, y{2, 1, 3, 3, 5};
    const auto rho = qs::spearmanCorrelation(x, y);
    QVERIFY(rho);
    QVERIFY(std::abs(*rho - 7.25 / 9.5) < 1e-12);
  }

  void monotoneRelationsAreOneAndMinusOne() {
    const std::vector<double> x{1, 2, 3, 4}, cubes{1, 8, 27, 1000}, falling{9, 4, 1, 0};
    const auto up = qs::spearmanCorrelation(x, cubes);  // not linear, still monotone
    const auto down = qs::spearmanCorrelation(x, falling);
    QVERIFY(up && down);
    QCOMPARE(*up, 1.0);
    QCOMPARE(*down, -1.0);
  }

  void wikipediaExample() {
    // Wikipedia, "Spearman's rank correlation coefficient": IQ against hours of TV per week,
    // rho = -29/165 (no ties, so the d^2 formula gives the same value).
    const std::vector<double> iq{106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
    const std::vector<double> tv{7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
    auto rho = qs::spearmanCorrelation(iq, tv);
    QVERIFY(rho);
    QVERIFY(std::abs(*rho - (-29.0 / 165.0)) < 1e-12);
  }

  void undefinedWithoutARanking() {
    const std::vector<double> constant{3, 3, 3}, three{1, 2, 3}, two{1, 2}, withNan{1, std::nan("")};
    QVERIFY(!qs::spearmanCorrelation(constant, three));  // constant side
    QVERIFY(!qs::spearmanCorrelation(std::vector<double>{1}, std::vector<double>{2}));  // one pair
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::spearmanCorrelation(two, three));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::averageRanks(withNan));
  }
};

QTEST_GUILESS_MAIN(TestRankCorrelation)
#include "test_rank_correlation.moc"
