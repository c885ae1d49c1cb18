// lm-evaluation-harness's rolling-window edge cases (tests/test_utils.py), over token ids.
#include <QtTest/QtTest>

#include <numeric>

#include "core/base/error.h"
#include "tasks/rolling_windows.h"

using qs::TokenWindow;
using Pair = std::pair<std::vector<int>, std::vector<int>>;

namespace {
std::vector<int> range(int a, int b) {
  std::vector<int> v(b - a);
  std::iota(v.begin(), v.end(), a);
  return v;
}
std::vector<int> prefixed(int a, int b) {
  auto v = range(a, b);
  v.insert(v.begin(), -100);
  return v;
}
void checkWindows(const std::vector<int>& tokens, int maxSeq, int ctx, const std::vector<Pair>& gold) {
  auto w = qs::rollingTokenWindows(tokens, -100, maxSeq, ctx);
  QCOMPARE(w.size(), gold.size());
  size_t predicted = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    QCOMPARE(w[i].input, gold[i].first);
    QCOMPARE(w[i].predicted, gold[i].second);
    predicted += w[i].predicted.size();
  }
  QCOMPARE(predicted, tokens.size());
}
}  // namespace

class TestRollingWindows : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void contextOneWithPartialLastWindow() {  // v1
    checkWindows(range(0, 34), 10, 1,
                 {{prefixed(0, 9), range(0, 10)}, {range(9, 19), range(10, 20)}, {range(19, 29), range(20, 30)},
                  {range(23, 33), range(30, 34)}});
  }
  void longContextPredictsThreeAtATime() {  // v2
    std::vector<Pair> gold{{prefixed(0, 9), range(0, 10)}};
    for (int s = 2; s <= 23; s += 3) gold.push_back({range(s, s + 10), range(s + 8, s + 11)});
    checkWindows(range(0, 34), 10, 8, gold);
  }
  void fullContextPredictsOneAtATime() {  // v3, v4
    for (int n : {34, 30}) {
      std::vector<Pair> gold{{prefixed(0, 9), range(0, 10)}};
      for (int s = 0; s + 10 < n; ++s) gold.push_back({range(s, s + 10), {s + 10}});
      checkWindows(range(0, n), 10, 10, gold);
    }
  }
  void exactMultipleOfWindow() {  // v5
    checkWindows(range(0, 30), 10, 1,
                 {{prefixed(0, 9), range(0, 10)}, {range(9, 19), range(10, 20)}, {range(19, 29), range(20, 30)}});
  }
  void windowOfTwo() {  // v6
    checkWindows(range(0, 9), 2, 1,
                 {{{-100, 0}, {0, 1}}, {{1, 2}, {2, 3}}, {{3, 4}, {4, 5}}, {{5, 6}, {6, 7}}, {{6, 7}, {8}}});
  }
  void emptyTextHasNoWindows() { QVERIFY(qs::rollingTokenWindows({}, -100, 2, 1).empty()); }
  void shorterThanWindow() { checkWindows(range(0, 4), 10, 1, {{prefixed(0, 3), range(0, 4)}}); }
  void singleToken() { checkWindows({7}, 10, 1, {{{-100}, {7}}}); }
  void windowOfOne() {
    checkWindows(range(0, 3), 1, 1, {{{-100}, {0}}, {{0}, {1}}, {{1}, {2}}});
  }
  void badContextLengthThrows() {
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::rollingTokenWindows(range(0, 5), -100, 4, 0));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::rollingTokenWindows(range(0, 5), -100, 4, 5));
  }
  void disjointWindows() {
    auto d = qs::disjointWindow(TokenWindow{{1, 2, 3, 4, 5}, {2, 3, 4, 5, 6}});
    QCOMPARE(d.input, std::vector<int>({1}));
    QCOMPARE(d.predicted, std::vector<int>({2, 3, 4, 5, 6}));
    d = qs::disjointWindow(TokenWindow{{1, 2, 3, 4, 5}, {4, 5, 6}});
    QCOMPARE(d.input, std::vector<int>({1, 2, 3}));
    d = qs::disjointWindow(TokenWindow{{1, 2, 3, 4, 5}, {6}});
    QCOMPARE(d.input, std::vector<int>({1, 2, 3, 4, 5}));
  }
};

QTEST_GUILESS_MAIN(TestRollingWindows)
#include "test_rolling_windows.moc"
