#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/store/store_merge.h"
#include "tests/support/test_support.h"

namespace {
namespace fs = std::filesystem;
using qs::ExperimentStore;

struct RunSpec {
  std::string fingerprint;
  std::string quant;
  std::string task;
  qs::RunStatus status;
  double acc;
  std::string shard;
};

const std::map<std::string, qs::ModelRecord> kModels = {
    {"fp-opt", {0, "/models/opt-125m", "opt", 125239296, "F16", "fp-opt"}},
    {"fp-llama", {0, "/models/llama-7b", "llama", 6738415616, "BF16", "fp-llama"}},
};

// Writes runs the way a sweep does: begin, log, finish (with statistics) or fail.
void addRuns(ExperimentStore& store, const std::vector<std::string>& modelOrder, const std::vector<RunSpec>& specs) {
  for (const auto& fp : modelOrder) store.upsertModel(kModels.at(fp));
  for (const auto& s : specs) {
    qs::RunRecord r;
    r.modelId = store.modelByFingerprint(s.fingerprint)->id;
    r.quantName = s.quant;
    r.quantJson = "{\"name\":\"" + s.quant + "\"}";
    r.task = s.task;
    r.taskVersion = "2";
    r.limit = 100;
    r.seed = 7;
    r.device = "cuda:0";
    r.softwareVersions = "{\"quantscope\":\"0.1.0\"}";
    r.startedAt = "2024-05-01T00:00:00.000Z";
    r.shard = s.shard;
    r.protocol = "{\"kind\":\"basic\",\"limit\":100}";
    int64_t id = store.beginRun(r);
    store.appendLog(id, qs::LogLevel::Info, "evaluating " + s.task + " under " + s.quant);
    if (s.status == qs::RunStatus::Failed) {
      store.failRun(id, "out of memory", 1.5);
      continue;
    }
    qs::RunResults res;
    res.metrics = {{"acc", s.acc, 0.01, 100, true}, {"perplexity", 1.0 / s.acc, std::nullopt, 100, false}};
    res.calibration = "cal";
    qs::LayerStatRecord st;
    st.layer = 1;
    st.role = "q_proj";
    st.kind = "activation";
    st.count = 64;
    st.kurtosis = s.acc * 100;
    st.outlierRatio = 0.5;
    res.layerStats = {st};
    res.channelProfiles = {{{}, std::nullopt, 1, "q_proj", "activation", -1, {float(s.acc), 2.0f}}};
    res.wallSeconds = 10 * s.acc;
    res.tokensProcessed = 1000;
    for (int i = 0; i < 2; ++i) {
      qs::ItemRecord it;
      it.item = i;
      it.docIndex = 10 + i;
      it.docId = "doc" + std::to_string(i);
      it.score = i == 0 ? 1.0 : 0.0;
      it.loglikelihoods = {-s.acc, -1.5};
      it.greedy = {true, false};
      it.outputs = {"answer " + s.quant};
      it.metrics = "{\"acc\":" + std::to_string(i == 0) + "}";
      res.items.push_back(it);
    }
    store.finishRun(id, res);
    const int64_t modelId = r.modelId;
    store.putSensitivity({{modelId, s.quant, "cal", 1, "q_proj", -1, s.acc, 64}});
    store.putQuantErrors({{modelId, s.quant, "cal", 1, "q_proj", -1, s.acc / 10, 20.0, std::nullopt, 15.5}});
  }
}

// Everything a merge must carry, independent of row ids and of finish times.
std::string snapshot(const ExperimentStore& store) {
  std::map<int64_t, std::string> fingerprintOf, keyOf;
  for (const auto& m : store.models())
    fingerprintOf[m.id] = m.fingerprint + "|" + m.path + "|" + m.family + "|" + std::to_string(m.parameters) + "|" + m.dtype;
  std::vector<std::string> lines;
  for (const auto& r : store.listRuns()) {
    keyOf[r.id] = r.quantName + "|" + r.task;
    std::string line = fingerprintOf[r.modelId] + "|" + r.quantName + "|" + r.quantJson + "|" + r.task + "|" +
                       r.taskVersion + "|" + std::to_string(r.limit) + "|" + std::to_string(r.seed) + "|" +
                       std::string(qs::runStatusName(r.status)) + "|" + r.device + "|" + r.softwareVersions + "|" +
                       r.startedAt + "|" + std::to_string(r.wallSeconds) + "|" + std::to_string(r.tokensProcessed) +
                       "|" + r.errorText + "|" + r.shard + "|" + (r.finishedAt.empty() ? "unfinished" : "finished");
    for (const auto& m : store.metrics(r.id))
      line += " " + m.name + "=" + std::to_string(m.value) + "+-" + std::to_string(m.stdError.value_or(-1)) + "/" +
              std::to_string(m.samples.value_or(-1)) + (m.higherIsBetter ? "h" : "l");
    for (const auto& l : store.logs(r.id)) line += " [" + l.level + ": " + l.text + "]";
    line += " protocol=" + r.protocol;
    for (const auto& it : store.items(r.id)) {
      line += " item" + std::to_string(it.item) + ":" + std::to_string(it.docIndex) + it.docId + "=" +
              std::to_string(it.score.value_or(-1)) + "/" + it.metrics;
      for (double ll : it.loglikelihoods) line += "," + std::to_string(ll);
      for (bool g : it.greedy) line += g ? "g" : "n";
      for (const auto& o : it.outputs) line += "'" + o + "'";
    }
    lines.push_back(line);
  }
  for (const auto& s : store.layerStats({}))
    lines.push_back("stat " + fingerprintOf[s.key.modelId] + "|" + s.key.quantName + "|" + s.key.calibration + "|" +
                    (s.runId ? keyOf[*s.runId] : "-") + "|" + std::to_string(s.layer) + s.role + s.kind + "|" +
                    std::to_string(s.expert) + "|" + std::to_string(s.kurtosis) + "|" + std::to_string(s.outlierRatio.value_or(-1)));
  for (const auto& p : store.channelProfiles({})) {
    std::string line = "profile " + fingerprintOf[p.key.modelId] + "|" + p.key.quantName + "|" +
                       (p.runId ? keyOf[*p.runId] : "-") + "|" + std::to_string(p.layer) + p.role + p.kind + "|" +
                       std::to_string(p.expert);
    for (float v : p.absmax) line += " " + std::to_string(v);
    lines.push_back(line);
  }
  for (const auto& r : store.sensitivity())
    lines.push_back("sensitivity " + fingerprintOf[r.modelId] + "|" + r.quantName + "|" + r.calibration + "|" +
                    std::to_string(r.layer) + r.role + "|" + std::to_string(r.klDivergence) + "|" + std::to_string(r.tokens));
  for (const auto& r : store.quantErrors())
    lines.push_back("error " + fingerprintOf[r.modelId] + "|" + r.quantName + "|" + std::to_string(r.layer) + r.role +
                    "|" + std::to_string(r.weightRelError.value_or(-1)) + "|" + std::to_string(r.weightSqnrDb.value_or(-1)) +
                    "|" + std::to_string(r.outputRelError.value_or(-1)) + "|" + std::to_string(r.outputSqnrDb.value_or(-1)));
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

template <typename F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const qs::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

const RunSpec kOptW4{"fp-opt", "W4A16KV16-g128", "lambada", qs::RunStatus::Done, 0.58, "0/2"};
const RunSpec kOptW8{"fp-opt", "W8A8KV16", "lambada", qs::RunStatus::Done, 0.6, "0/2"};
const RunSpec kLlamaW4{"fp-llama", "W4A16KV16-g128", "wikitext", qs::RunStatus::Done, 0.25, "0/2"};
const RunSpec kLlamaW8{"fp-llama", "W8A8KV16", "wikitext", qs::RunStatus::Done, 0.5, "1/2"};
const RunSpec kOptW8Again{"fp-opt", "W8A8KV16", "lambada", qs::RunStatus::Done, 0.125, "1/2"};  // duplicate key
const RunSpec kOptW3Failed{"fp-opt", "W3A16KV16-g128", "lambada", qs::RunStatus::Failed, 0, "1/2"};
const RunSpec kOptW3Done{"fp-opt", "W3A16KV16-g128", "lambada", qs::RunStatus::Done, 0.375, "1/2"};

}  // namespace

class TestStoreMerge : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mergeOfShardsEqualsOneDatabase() {
    auto dir = qs::test::freshTempDir("merge_shards");
    {
      ExperimentStore a(dir / "a.qsdb");
      addRuns(a, {"fp-opt", "fp-llama"}, {kOptW4, kOptW8, kLlamaW4});
      ExperimentStore b(dir / "b.qsdb");  // models in the other order: ids differ between shards
      addRuns(b, {"fp-llama", "fp-opt"}, {kLlamaW8, kOptW8Again, kOptW3Failed});
      ExperimentStore all(dir / "all.qsdb");
      addRuns(all, {"fp-opt", "fp-llama"}, {kOptW4, kOptW8, kLlamaW4, kLlamaW8, kOptW3Failed});
    }
    auto report = qs::mergeDatabases(dir / "merged.qsdb", {dir / "a.qsdb", dir / "b.qsdb"});
    QCOMPARE(report.modelsAdded, 2);
    QCOMPARE(report.runsAdded, 5);
    QCOMPARE(report.runsDuplicate, 1);
    QCOMPARE(report.runsReplaced, 0);
    QCOMPARE(report.layerStatRows, int64_t(4));  // the duplicate's statistics set is not copied

    ExperimentStore merged(dir / "merged.qsdb", ExperimentStore::Mode::ReadOnly);
    ExperimentStore all(dir / "all.qsdb", ExperimentStore::Mode::ReadOnly);
    QCOMPARE(merged.listRuns().size(), size_t(5));
    const std::string expected = snapshot(all);
    QVERIFY(expected.find("|failed|cuda:0|") != std::string::npos);  // the snapshot sees the runs
    QVERIFY(expected.find("profile fp-llama") != std::string::npos);
    QVERIFY(expected.find("item1:11doc1=0.000000/{\"acc\":0},-0.600000,-1.500000gn'answer W8A8KV16'") != std::string::npos);
    QVERIFY(expected.find("sensitivity fp-opt") != std::string::npos);
    QVERIFY(expected.find("|-1.000000|15.500000") != std::string::npos);  // a NULL error column stays NULL
    QCOMPARE(snapshot(merged), expected);

    // The duplicate was kept once: the first shard's results.
    auto key = qs::RunKey{"fp-opt", "W8A8KV16", "lambada", "2", 100, 7};
    auto id = merged.findDoneRun(key);
    QVERIFY(id.has_value());
    QCOMPARE(merged.metrics(*id)[0].value, 0.6);
    QCOMPARE(merged.run(*id)->shard, std::string("0/2"));
  }

  void moreCompleteRunReplacesLessComplete() {
    auto dir = qs::test::freshTempDir("merge_replace");
    {
      ExperimentStore b(dir / "b.qsdb");
      addRuns(b, {"fp-opt"}, {kOptW8, kOptW3Failed});
      ExperimentStore c(dir / "c.qsdb");
      addRuns(c, {"fp-opt"}, {kOptW3Done});
    }
    auto first = qs::mergeDatabases(dir / "out.qsdb", {dir / "b.qsdb"});
    QCOMPARE(first.runsAdded, 2);
    // Merging into an existing output: the done run replaces the failed one.
    auto second = qs::mergeDatabases(dir / "out.qsdb", {dir / "c.qsdb"});
    QCOMPARE(second.runsReplaced, 1);
    QCOMPARE(second.modelsAdded, 0);
    ExperimentStore out(dir / "out.qsdb", ExperimentStore::Mode::ReadOnly);
    QCOMPARE(out.listRuns().size(), size_t(2));
    auto id = out.findDoneRun({"fp-opt", "W3A16KV16-g128", "lambada", "2", 100, 7});
    QVERIFY(id.has_value());
    QCOMPARE(out.metrics(*id)[0].value, 0.375);
    // The failed attempt's log went with it; the done run's log came along.
    auto logs = out.logs(*id);
    QCOMPARE(logs.size(), size_t(1));
    QVERIFY(logs[0].text.find("evaluating lambada") != std::string::npos);
    // Merging the failed shard again changes nothing.
    auto third = qs::mergeDatabases(dir / "out.qsdb", {dir / "b.qsdb"});
    QCOMPARE(third.runsDuplicate, 2);
    QCOMPARE(third.runsAdded + third.runsReplaced, 0);
  }

  void mergeCarriesExperts() {
    auto dir = qs::test::freshTempDir("merge_experts");
    {
      ExperimentStore a(dir / "a.qsdb");
      addRuns(a, {"fp-opt", "fp-llama"}, {kLlamaW4});
      const int64_t llama = a.modelByFingerprint("fp-llama")->id;
      // Two experts and the router of one layer, as a mixture-of-experts model's statistics are.
      std::vector<qs::LayerStatRecord> stats;
      for (int expert : {1, 0, -1}) {
        qs::LayerStatRecord s;
        s.key = {llama, "FP16", ""};
        s.layer = 2;
        s.role = expert < 0 ? "router" : "down_proj";
        s.kind = "weight";
        s.expert = expert;
        s.count = 256;
        s.kurtosis = 10.0 + expert;
        stats.push_back(s);
      }
      qs::ChannelProfileRecord p0{{llama, "FP16", ""}, std::nullopt, 2, "down_proj", "weight", 0, {1.0f, 3.0f}};
      qs::ChannelProfileRecord p1{{llama, "FP16", ""}, std::nullopt, 2, "down_proj", "weight", 1, {5.0f, 7.0f}};
      a.putStats(stats, {p0, p1});
    }
    auto report = qs::mergeDatabases(dir / "merged.qsdb", {dir / "a.qsdb"});
    QCOMPARE(report.layerStatRows, int64_t(4));  // three of the FP16 set, one of the run
    QCOMPARE(report.channelProfileRows, int64_t(3));

    ExperimentStore merged(dir / "merged.qsdb", ExperimentStore::Mode::ReadOnly);
    ExperimentStore a(dir / "a.qsdb", ExperimentStore::Mode::ReadOnly);
    const std::string expected = snapshot(a);
    QVERIFY2(expected.find("2down_projweight|1|11.0") != std::string::npos, expected.c_str());
    QCOMPARE(snapshot(merged), expected);
    qs::StatsQuery q;
    q.quantName = "FP16";
    q.role = "down_proj";
    auto stats = merged.layerStats(q);
    QCOMPARE(stats.size(), size_t(2));
    QCOMPARE(stats[0].expert, 0);
    QCOMPARE(stats[0].kurtosis, 10.0);
    QCOMPARE(stats[1].expert, 1);
    QCOMPARE(stats[1].kurtosis, 11.0);
    q.expert = 1;
    auto profiles = merged.channelProfiles(q);
    QCOMPARE(profiles.size(), size_t(1));
    QCOMPARE(profiles[0].absmax, std::vector<float>({5.0f, 7.0f}));
  }

  void badInputLeavesNoOutput() {
    auto dir = qs::test::freshTempDir("merge_bad");
    {
      ExperimentStore a(dir / "a.qsdb");
      addRuns(a, {"fp-opt"}, {kOptW4});
    }
    {
      std::ofstream text(dir / "notes.txt");
      text << "not a database\n";
    }
    QString err = errorOf([&] { qs::mergeDatabases(dir / "out.qsdb", {dir / "a.qsdb", dir / "notes.txt"}); });
    QVERIFY2(err.contains("notes.txt") && err.contains("not an SQLite database"), qPrintable(err));
    QVERIFY(!fs::exists(dir / "out.qsdb"));
    err = errorOf([&] { qs::mergeDatabases(dir / "out.qsdb", {dir / "a.qsdb", dir / "missing.qsdb"}); });
    QVERIFY2(err.contains("missing.qsdb"), qPrintable(err));
    QVERIFY(!fs::exists(dir / "out.qsdb"));
    err = errorOf([&] { qs::mergeDatabases(dir / "a.qsdb", {dir / "a.qsdb"}); });
    QVERIFY2(err.contains("also an input"), qPrintable(err));
    QVERIFY(!errorOf([&] { qs::mergeDatabases(dir / "out.qsdb", {}); }).isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestStoreMerge)
#include "test_store_merge.moc"
