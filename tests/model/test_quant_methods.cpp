// The quantization methods computed in the app, on problems whose answer is known: GPTQ with an
// identity Hessian is round-to-nearest and beats it on correlated inputs; SmoothQuant's and AWQ's
// scale folding leaves the unquantized model's logits unchanged on every family that can fold
// (within 1e-4) and AWQ with alpha 0 changes nothing; a method without calibration, or on a model
// it cannot serve, is refused with a clear message and leaves the model as it was.
#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <set>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/base/runtime.h"
#include "core/model/model.h"
#include "quant/awq.h"
#include "quant/fake_quant.h"
#include "quant/gptq.h"
#include "quant/quantized_model.h"
#include "quant/smoothquant.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

at::Tensor calibration(int64_t n = 4, int64_t l = 24, int seed = 11) {
  at::manual_seed(seed);
  return at::randint(4, 512, {n, l}, at::kLong);
}

std::unique_ptr<qs::Model> golden(const char* family) { return qs::Model::load(qs::test::goldenDir() / family); }

}  // namespace

class TestQuantMethods : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { qs::configureThreads(); }

  void gptqWithIdentityHessianIsRoundToNearest_data() {
    QTest::addColumn<QString>("spec");
    QTest::newRow("asym g16") << "W4-g16";
    QTest::newRow("sym g32") << "W3-g32-symW";
    QTest::newRow("per-channel") << "W4-gc";
  }
  void gptqWithIdentityHessianIsRoundToNearest() {
    QFETCH(QString, spec);
    qs::QuantSpec s;
    try {
      s = qs::QuantConfig::parse(spec.toStdString()).weight;
    } catch (const qs::Error&) {
      s = qs::QuantSpec::channel(4);  // "gc" is not a name the grammar has; per-channel by hand
    }
    at::manual_seed(1);
    const auto w = at::randn({24, 64});
    const auto q = qs::gptqQuantize(w, at::eye(64), s);
    QCOMPARE(maxDiff(q, qs::fakeQuantizeReference(w, s)), 0.0);
  }

  // Correlated inputs: GPTQ's error feedback must give a smaller output error than RTN.
  void gptqBeatsRoundToNearestOnCorrelatedInputs() {
    at::manual_seed(2);
    const auto mix = at::randn({64, 64});
    const auto x = at::matmul(at::randn({512, 64}), mix);  // strongly correlated features
    const auto w = at::randn({32, 64});
    const auto spec = qs::QuantSpec::group(3, 16);
    const auto h = at::matmul(x.t(), x) * (2.0 / 512);
    const auto rtn = qs::fakeQuantizeReference(w, spec);
    const auto g = qs::gptqQuantize(w, h, spec);
    const auto g2 = qs::gptqQuantize(w, h, spec, {.actOrder = true});
    auto err = [&](const at::Tensor& q) { return (at::matmul(x, (q - w).t())).pow(2).mean().item<double>(); };
    qInfo("output MSE: rtn %.4g, gptq %.4g, gptq act-order %.4g", err(rtn), err(g), err(g2));
    QVERIFY(err(g) < 0.7 * err(rtn));
    QVERIFY(err(g2) < 0.7 * err(rtn));
    // Every value lies on its group's grid: quantizing GPTQ's output again per group changes little.
    QVERIFY(g.isfinite().all().item<bool>());
  }

  // Folding scales is exact in real arithmetic: the unquantized logits stay (float rounding only).
  void foldingKeepsTheFunction_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : {"llama", "opt", "gemma", "stablelm", "falcon", "falcon_newdec", "bloom", "gpt2", "qwen2",
                          "mixtral", "chatglm3"})
      QTest::newRow(f) << f;
  }
  void foldingKeepsTheFunction() {
    QFETCH(QString, family);
    auto model = golden(family.toUtf8().constData());
    const auto ids = calibration(1, 24, 3);
    const auto fp = model->forward(ids);
    qs::applySmoothQuant(*model, calibration(), 0.5);
    QVERIFY2(maxDiff(model->forward(ids), fp) < 1e-4, "smoothquant changed the FP logits");
    qs::applyAwq(*model, calibration(), qs::QuantSpec::group(4, 16), [](int, qs::TensorRole) { return true; },
                 {.clip = false});
    QVERIFY2(maxDiff(model->forward(ids), fp) < 1e-4, "awq scaling changed the FP logits");
  }

  // SmoothQuant's scales: after smoothing, the q_proj input's per-channel absmax is
  // max|X|^(1-alpha) * max|W|^alpha (alpha 0.5: the geometric mean), checked on channel data.
  void smoothquantBalancesActivationsAndWeights() {
    auto model = golden("llama");
    const auto calib = calibration();
    auto absmaxOfQInput = [&](qs::Model& m) {
      struct Grab : qs::TensorHook {
        at::Tensor absmax;
        void operator()(const qs::HookPoint& p, at::Tensor& x) override {
          if (p.layer == 0 && p.role == qs::TensorRole::QProj && p.kind == qs::TensorKind::Activation) {
            auto a = x.reshape({-1, x.size(-1)}).abs().amax(0);
            absmax = absmax.defined() ? at::maximum(absmax, a) : a;
          }
        }
      };
      auto grab = std::make_shared<Grab>();
      m.hooks().add(grab);
      for (int64_t i = 0; i < calib.size(0); ++i) m.forward(calib.narrow(0, i, 1));
      m.hooks().remove(grab.get());
      return grab->absmax;
    };
    const auto xmax = absmaxOfQInput(*model);
    at::Tensor wmax;
    for (const auto& lw : model->linearWeights())
      if (lw.layer == 0 && (lw.role == qs::TensorRole::QProj || lw.role == qs::TensorRole::KProj ||
                            lw.role == qs::TensorRole::VProj)) {
        auto m = lw.weight->abs().amax(0);
        wmax = wmax.defined() ? at::maximum(wmax, m) : m;
      }
    qs::applySmoothQuant(*model, calib, 0.5);
    const auto after = absmaxOfQInput(*model);
    const auto expected = (xmax * wmax).sqrt();  // xmax / s with s = sqrt(xmax / wmax)
    QVERIFY2(maxDiff(after, expected) < 1e-4 * expected.max().item<double>(), "smoothed absmax");
  }

  void awqWithAlphaZeroChangesNothing() {
    auto model = golden("llama");
    std::vector<at::Tensor> before;
    for (const auto& lw : model->linearWeights()) before.push_back(lw.weight->clone());
    qs::applyAwq(*model, calibration(), qs::QuantSpec::group(4, 16), [](int, qs::TensorRole) { return true; },
                 {.alphas = {0.0}, .clip = false});
    const auto after = model->linearWeights();
    for (size_t i = 0; i < after.size(); ++i) QCOMPARE(maxDiff(*after[i].weight, before[i]), 0.0);
  }

  // Through QuantizedModel: each method runs, moves the logits less than a wild guess would, and
  // restore() gives the original model back exactly.
  void methodsThroughQuantizedModel_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("gptq") << "W3-g16-gptq";
    QTest::newRow("awq") << "W3-g16-awq";
    QTest::newRow("smoothquant") << "W8A8-g16-smoothquant";
  }
  void methodsThroughQuantizedModel() {
    QFETCH(QString, name);
    auto model = golden("llama");
    const auto ids = calibration(2, 24, 5);
    const auto fp = model->forward(ids);
    std::vector<at::Tensor> before;
    for (const auto& lw : model->linearWeights()) before.push_back(*lw.weight);
    {
      qs::QuantizedModel q(*model, qs::QuantConfig::parse(name.toStdString()), calibration(8, 24));
      QVERIFY(q.quantizedWeightCount() == 14);
      const double moved = maxDiff(model->forward(ids), fp);
      QVERIFY2(moved > 1e-4 && moved < 3.0, qPrintable(QString("%1 moved the logits by %2").arg(name).arg(moved)));
    }
    const auto after = model->linearWeights();
    for (size_t i = 0; i < after.size(); ++i) QVERIFY(after[i].weight->is_same(before[i]));
    QCOMPARE(maxDiff(model->forward(ids), fp), 0.0);
  }

  // A sweep with methods: the runs are done and each run's log names the method, the calibration
  // file's SHA-256, N, L, seed and the seconds the method took (quarot: and its rotation seed).
  void sweepRecordsTheCalibration() {
    const auto stories = qs::test::sharedDir() / "models" / "stories260K";
    if (!std::filesystem::exists(stories / "tokenizer.json")) QSKIP("../shared/models/stories260K is not available");
    const auto dir = qs::test::freshTempDir("methods-sweep");
    std::filesystem::create_directories(dir / "model");
    for (const char* f : {"config.json", "model.safetensors"})
      std::filesystem::copy_file(qs::test::goldenDir() / "llama" / f, dir / "model" / f);
    std::filesystem::copy_file(stories / "tokenizer.json", dir / "model" / "tokenizer.json");
    const auto db = dir / "m.qsdb";
    const auto calib = qs::test::sourceDir() / "resources" / "demo-data" / "calibration.txt";
    auto r = qs::test::runCli({"--threads", "1", "sweep", "--model", QString::fromStdString((dir / "model").string()),
                               "--configs", "W3-g16-gptq,W3-g16-awq,W8A8-g16-smoothquant,W4A4-g16-quarot", "--tasks", "lambada_openai",
                               "--limit", "2", "--no-stats", "--calib", QString::fromStdString(calib.string()),
                               "--calib-samples", "4", "--calib-length", "32", "--db", QString::fromStdString(db.string())});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
    std::set<std::string> methods;
    for (const auto& run : store.listRuns()) {
      QCOMPARE(int(run.status), int(qs::RunStatus::Done));
      if (run.quantName.find("gptq") == std::string::npos && run.quantName.find("awq") == std::string::npos &&
          run.quantName.find("smoothquant") == std::string::npos && run.quantName.find("quarot") == std::string::npos)
        continue;
      bool recorded = false;
      for (const auto& log : store.logs(run.id))
        recorded = recorded || (log.text.find("on calibration calibration.txt sha256:") != std::string::npos &&
                                log.text.find("n=4 L=32 seed=1234") != std::string::npos &&
                                (run.quantName.find("quarot") == std::string::npos ||
                                 log.text.find("rotation seed 1234") != std::string::npos));
      QVERIFY2(recorded, run.quantName.c_str());
      // The method's provenance and time are in the run's config, apart from its wall time.
      const auto config = nlohmann::json::parse(run.quantJson);
      QVERIFY2(config.contains("method_run"), run.quantJson.c_str());
      QVERIFY(config["method_run"]["seconds"].get<double>() > 0);
      QVERIFY(config["method_run"]["calibration"].get<std::string>().find("n=4 L=32 seed=1234") != std::string::npos);
      QCOMPARE(config["method_run"].contains("rotation_seed"), run.quantName.find("quarot") != std::string::npos);
      methods.insert(run.quantName);
    }
    QCOMPARE(int(methods.size()), 4);
  }

  void refusals() {
    auto model = golden("llama");
    const auto fp = model->forward(calibration(1, 8));
    try {
      qs::QuantizedModel q(*model, qs::QuantConfig::parse("W4-gptq"));
      QFAIL("gptq without calibration was accepted");
    } catch (const qs::Error& e) {
      QVERIFY2(QString(e.what()).contains("needs calibration"), e.what());
    }
    auto mamba = golden("mamba");
    try {
      qs::QuantizedModel q(*mamba, qs::QuantConfig::parse("W8A8-smoothquant"), calibration());
      QFAIL("smoothquant on mamba was accepted");
    } catch (const qs::Error& e) {
      QVERIFY2(QString(e.what()).contains("mamba") && QString(e.what()).contains("no norm"), e.what());
    }
    QCOMPARE(maxDiff(model->forward(calibration(1, 8)), fp), 0.0);
  }
};

QTEST_GUILESS_MAIN(TestQuantMethods)
#include "test_quant_methods.moc"
