// The request engine against a deterministic fake LM: loglikelihoods equal an independent
// full-sequence computation, prefix sharing changes nothing but the work done, rolling windows
// predict every token once, greedy generation stops where it should.
#include <QtTest/QtTest>

#include <ATen/ATen.h>

#include "core/base/error.h"
#include "tasks/request_engine.h"
#include "tasks/rolling_windows.h"
#include "tests/support/fake_lm.h"

using qs::Request;
using qs::RequestType;

namespace {

// log p(tokens[i] | tokens[:i]) for i >= from, by one unbatched forward pass of the whole sequence.
std::pair<double, bool> directScore(qs::test::FakeLm& lm, const std::vector<int>& tokens, size_t from) {
  std::vector<int64_t> ids(tokens.begin(), tokens.end() - 1);
  auto t = at::tensor(ids, at::kLong).view({1, -1});
  auto logits = lm.forward(t, at::ones_like(t), nullptr);
  auto lp = at::log_softmax(logits.to(at::kDouble), -1)[0];
  auto arg = logits.argmax(-1)[0];
  double sum = 0;
  bool greedy = true;
  for (size_t i = from; i < tokens.size(); ++i) {
    sum += lp[i - 1][tokens[i]].item<double>();
    greedy = greedy && arg[i - 1].item<int64_t>() == tokens[i];
  }
  return {sum, greedy};
}

std::vector<int> withBos(qs::test::FakeLm& lm, const std::string& s) {
  auto ids = lm.encode(s);
  ids.insert(ids.begin(), 1);
  return ids;
}

Request ll(const std::string& ctx, const std::string& cont) {
  Request r;
  r.context = ctx;
  r.continuation = cont;
  return r;
}

}  // namespace

class TestRequestEngine : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void loglikelihoodMatchesDirectComputation() {
    qs::test::FakeLm lm;
    qs::RequestEngine engine(lm, {});
    std::vector<Request> reqs{ll("abc", "d"), ll("hello wor", "ld"), ll("x", "yz!"), ll("", "start")};
    auto out = engine.run(reqs);
    QCOMPARE(out.size(), reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
      std::string ctx = reqs[i].context;
      std::string cont = reqs[i].continuation;
      auto full = withBos(lm, ctx + cont);
      auto [want, greedy] = directScore(lm, full, 1 + ctx.size());
      QVERIFY2(std::abs(out[i].logprob - want) < 1e-5, qPrintable(QString::number(out[i].logprob) + " vs " + QString::number(want)));
      QCOMPARE(out[i].greedy, greedy);
      QCOMPARE(out[i].tokens, static_cast<int64_t>(cont.size()));
    }
    QVERIFY(out[0].greedy);   // "abc" -> "d" is what the fake predicts
    QVERIFY(!out[2].greedy);  // "x" -> "yz!" is not
  }

  void trailingSpaceMovesToContinuation() {
    qs::test::FakeLm lm;
    qs::RequestEngine engine(lm, {});
    auto [ctx, cont] = engine.encodePair("Answer: ", "yes");
    QCOMPARE(ctx, withBos(lm, "Answer:"));
    QCOMPARE(cont, lm.encode(" yes"));
  }

  void prefixSharingGivesIdenticalScoresAndSavesTokens() {
    std::vector<Request> reqs;
    std::vector<std::string> contexts{"Question: what follows abc?\nAnswer:", "Q: pick one\nA:", "short"};
    for (const auto& c : contexts)
      for (const auto& choice : {" d", " e and more", " xyz", " defgh"}) reqs.push_back(ll(c, choice));
    reqs.push_back(ll("lonely context", " alone"));

    qs::test::FakeLm lmA, lmB;
    qs::EngineOptions plain;
    plain.sharePrefixes = false;
    qs::RequestEngine a(lmA, plain), b(lmB, {});
    auto ra = a.run(reqs);
    auto rb = b.run(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
      QCOMPARE(rb[i].logprob, ra[i].logprob);  // bit-identical: the fake is a pure function of history
      QCOMPARE(rb[i].greedy, ra[i].greedy);
    }
    int64_t saved = 0;
    for (const auto& c : contexts) saved += 3 * static_cast<int64_t>(c.size() + 1);  // (n - 1) * context tokens
    QCOMPARE(b.stats().prefixTokensSaved, saved);
    QCOMPARE(b.stats().sharedGroups, int64_t(3));
    QCOMPARE(a.stats().prefixTokensSaved, int64_t(0));
    QCOMPARE(lmA.forwardTokens - lmB.forwardTokens, saved);
    QCOMPARE(b.stats().forwardTokens, lmB.forwardTokens);
  }

  void batchingAndPaddingDoNotChangeScores() {
    std::vector<Request> reqs;
    for (int i = 0; i < 9; ++i) reqs.push_back(ll(std::string(3 + 4 * i, 'a' + i), std::string(1 + i % 3, 'q')));
    qs::test::FakeLm lm1, lm2;
    qs::EngineOptions one;
    one.maxBatchSize = 1;
    one.sharePrefixes = false;
    qs::EngineOptions many;
    many.maxBatchTokens = 100;
    many.sharePrefixes = false;
    auto r1 = qs::RequestEngine(lm1, one).run(reqs);
    qs::RequestEngine e2(lm2, many);
    auto r2 = e2.run(reqs);
    QVERIFY(e2.stats().forwardCalls < 9);
    QVERIFY(e2.stats().paddedTokens > e2.stats().forwardTokens);
    for (size_t i = 0; i < reqs.size(); ++i) QCOMPARE(r2[i].logprob, r1[i].logprob);
  }

  void longContextIsTruncatedFromTheLeft() {
    qs::test::FakeLm lm(16);
    qs::RequestEngine engine(lm, {});
    std::string ctx(40, 'k');
    auto out = engine.run({ll(ctx, "lmn")});
    auto full = withBos(lm, ctx + "lmn");
    std::vector<int> kept(full.end() - 17, full.end());
    auto [want, greedy] = directScore(lm, kept, kept.size() - 3);
    QVERIFY(std::abs(out[0].logprob - want) < 1e-5);
    QVERIFY(out[0].greedy);
  }

  void rollingPredictsEveryTokenOnce() {
    for (int n : {0, 1, 5, 15, 16, 17, 32, 50}) {
      qs::test::FakeLm lm(16);
      qs::RequestEngine engine(lm, {});
      std::string text;
      for (int i = 0; i < n; ++i) text += static_cast<char>('a' + (i * 7) % 26);
      Request r;
      r.type = RequestType::RollingLoglikelihood;
      r.context = text;
      auto out = engine.run({r});
      QCOMPARE(out[0].tokens, static_cast<int64_t>(n));
      if (n == 0) {
        QCOMPARE(out[0].logprob, 0.0);
        continue;
      }
      // Independent reference: each window scored by one full forward pass.
      auto tokens = lm.encode(text);
      double want = 0;
      for (const auto& w : qs::rollingTokenWindows(tokens, 1, 16, 1)) {
        std::vector<int> seq(w.input);
        seq.push_back(w.predicted.back());
        want += directScore(lm, seq, seq.size() - w.predicted.size()).first;
      }
      QVERIFY2(std::abs(out[0].logprob - want) < 1e-4, qPrintable(QString("n=%1").arg(n)));
      if (n <= 16) {
        auto seq = tokens;
        seq.insert(seq.begin(), 1);
        QVERIFY(std::abs(out[0].logprob - directScore(lm, seq, 1).first) < 1e-4);
      }
    }
  }

  void generationStopsAtStopStringAndLimit() {
    qs::test::FakeLm lm;
    qs::RequestEngine engine(lm, {});
    Request a;
    a.type = RequestType::GenerateUntil;
    a.context = "abc";
    a.until = {"h"};
    a.maxNewTokens = 20;
    Request b = a;
    b.context = "0";
    b.until = {};
    b.maxNewTokens = 4;
    Request c = a;
    c.context = "a much longer prompt ending in m";
    c.until = {"q", "p"};
    auto out = engine.run({a, b, c});
    QCOMPARE(QString::fromStdString(out[0].text), QString("defg"));
    QCOMPARE(QString::fromStdString(out[1].text), QString("1234"));
    QCOMPARE(out[1].tokens, int64_t(4));
    QCOMPARE(QString::fromStdString(out[2].text), QString("no"));
  }

  void generationMatchesUnbatchedRun() {
    std::vector<Request> reqs;
    for (const char* p : {"x", "hello there", "zz top 9", "#"}) {
      Request r;
      r.type = RequestType::GenerateUntil;
      r.context = p;
      r.maxNewTokens = 6;
      reqs.push_back(r);
    }
    qs::test::FakeLm lm1, lm2;
    qs::EngineOptions one;
    one.maxBatchSize = 1;
    auto r1 = qs::RequestEngine(lm1, one).run(reqs);
    auto r2 = qs::RequestEngine(lm2, {}).run(reqs);
    for (size_t i = 0; i < reqs.size(); ++i) QCOMPARE(r2[i].text, r1[i].text);
  }

  void cancellationStopsBetweenBatches() {
    qs::test::FakeLm lm;
    qs::EngineOptions o;
    o.maxBatchSize = 1;
    qs::RequestEngine engine(lm, o);
    qs::CancelToken cancel;
    int calls = 0;
    std::vector<Request> reqs(5, ll("abc", "d"));
    for (size_t i = 0; i < reqs.size(); ++i) reqs[i].context += std::string(i, 'z');
    QVERIFY_THROWS_EXCEPTION(qs::Cancelled, engine.run(reqs, [&](int64_t, int64_t) {
      if (++calls == 2) cancel.cancel();
    }, &cancel));
    QCOMPARE(calls, 2);
  }

  void progressReachesTotal() {
    qs::test::FakeLm lm;
    qs::RequestEngine engine(lm, {});
    int64_t lastDone = 0, lastTotal = 0;
    engine.run({ll("a", "b"), ll("a", "c"), ll("q", "r")}, [&](int64_t d, int64_t t) {
      QVERIFY(d >= lastDone);
      lastDone = d;
      lastTotal = t;
    });
    QCOMPARE(lastDone, int64_t(3));
    QCOMPARE(lastTotal, int64_t(3));
  }
};

QTEST_GUILESS_MAIN(TestRequestEngine)
#include "test_request_engine.moc"
