// Quantization and statistics on every family's golden model: W4, W4A8 and KV4 change the output
// and leave what they should alone (lm_head, a rule-excluded k_proj of a fused-qkv model), the K
// hook sees keys per KV head after RoPE, statistics cover q/k/v of fused models, and a KV
// configuration is refused by a model without a KV cache.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/model/model.h"
#include "quant/quantized_model.h"
#include "quant/tensor_stats.h"
#include "tests/support/test_support.h"

namespace {

const char* const kFamilies[] = {"llama",  "opt",           "mistral", "qwen2", "gemma",   "stablelm", "falcon",
                                 "falcon_newdec", "bloom", "gpt2", "mixtral", "chatglm3", "mamba"};

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

class KeyShapes : public qs::TensorHook {
 public:
  void operator()(const qs::HookPoint& p, at::Tensor& x) override {
    if (p.kind == qs::TensorKind::Key) shapes.push_back(x.sizes().vec());
  }
  std::vector<std::vector<int64_t>> shapes;
};

}  // namespace

class TestFamilyQuantization : public QObject {
  Q_OBJECT

  std::unique_ptr<qs::Model> load(const QString& family) {
    return qs::Model::load(qs::test::goldenDir() / family.toStdString());
  }

 private Q_SLOTS:
  void initTestCase() { qs::configureThreads(); }

  void quantizedForward_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : kFamilies) QTest::newRow(f) << f;
  }
  void quantizedForward() {
    QFETCH(QString, family);
    auto model = load(family);
    at::manual_seed(3);
    auto ids = at::randint(4, 512, {2, 16}, at::kLong);
    const auto fp = model->forward(ids);
    const auto& a = model->config().attention;
    const bool kv = model->capabilities().hasKvCache;
    // Routers and Mamba's dt_proj stay unquantized by default, like lm_head.
    int unquantized = 0;
    for (const auto& lw : model->linearWeights()) unquantized += !qs::isQuantizedByDefault(lw.role);
    for (const char* name : {"W4-g16", "W4A8-g16", "KV4-g16"}) {
      if (!kv && std::string(name).starts_with("KV")) continue;  // refused: kvConfigRefusedWithoutKvCache
      auto keys = std::make_shared<KeyShapes>();
      model->hooks().add(keys);
      at::Tensor out;
      {
        qs::QuantizedModel q(*model, qs::QuantConfig::parse(name));
        out = model->forward(ids);
        if (std::string(name).starts_with("W4")) {
          // Every linear but lm_head (and routers / OPT-350m projections, none here).
          QCOMPARE(q.quantizedWeightCount(), static_cast<int>(model->linearWeights().size()) - unquantized);
        }
      }
      model->hooks().remove(keys.get());
      QVERIFY2(out.isfinite().all().item<bool>(), name);
      const double d = maxDiff(out, fp);
      QVERIFY2(d > 1e-4 && d < 5.0, qPrintable(QString("%1 moved the logits by %2").arg(name).arg(d)));
      if (!kv) {
        QVERIFY(keys->shapes.empty());
        continue;
      }
      QCOMPARE(static_cast<int>(keys->shapes.size()), model->config().numLayers);
      QCOMPARE(keys->shapes[0], (std::vector<int64_t>{2, a.numKvHeads, 16, a.headDim}));
    }
    QVERIFY(model->hooks().empty());
    QVERIFY(maxDiff(model->forward(ids), fp) == 0.0);  // restored exactly
  }

  // excl.k_proj on a fused-qkv model keeps k's rows and quantizes q's and v's.
  void ruleExcludesKProjOfFusedQkv_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : {"falcon", "falcon_newdec", "bloom", "gpt2", "chatglm3"}) QTest::newRow(f) << f;
  }
  void ruleExcludesKProjOfFusedQkv() {
    QFETCH(QString, family);
    auto model = load(family);
    std::map<std::pair<int, qs::TensorRole>, at::Tensor> before;
    for (const auto& lw : model->linearWeights()) before[{lw.layer, lw.role}] = lw.weight->clone();
    qs::QuantizedModel q(*model, qs::QuantConfig::parse("W4-g16-excl.k_proj"));
    for (const auto& lw : model->linearWeights()) {
      const bool same = at::equal(*lw.weight, before[{lw.layer, lw.role}]);
      if (lw.role == qs::TensorRole::KProj || lw.role == qs::TensorRole::LmHead)
        QVERIFY2(same, qPrintable(QString("layer %1 %2 changed").arg(lw.layer).arg(qs::roleName(lw.role).data())));
      else
        QVERIFY2(!same, qPrintable(QString("layer %1 %2 unchanged").arg(lw.layer).arg(qs::roleName(lw.role).data())));
    }
  }

  void statisticsCoverEveryRole_data() { quantizedForward_data(); }
  void statisticsCoverEveryRole() {
    QFETCH(QString, family);
    auto model = load(family);
    auto collector = std::make_shared<qs::StatsCollector>();
    model->hooks().add(collector);
    at::manual_seed(4);
    model->forward(at::randint(4, 512, {1, 20}, at::kLong));
    model->hooks().remove(collector.get());
    auto table = collector->table();
    auto weights = qs::collectWeightStats(*model);
    using R = qs::TensorRole;
    const bool ssm = !model->capabilities().hasKvCache;
    const std::vector<R> projections = ssm ? std::vector<R>{R::MixerInProj, R::MixerXProj, R::MixerDtProj, R::MixerOutProj}
                                           : std::vector<R>{R::QProj, R::KProj, R::VProj, R::OutProj};
    for (int l = 0; l < model->config().numLayers; ++l) {
      for (auto role : projections) {
        QVERIFY2(table.count({l, role, qs::TensorKind::Activation}), qs::roleName(role).data());
        QVERIFY2(weights.count({l, role, qs::TensorKind::Weight}), qs::roleName(role).data());
      }
      if (ssm) {
        // The convolution and the SSM parameters are reported under their own roles.
        for (auto role : {R::Conv1d, R::SsmALog, R::SsmD}) QVERIFY(weights.count({l, role, qs::TensorKind::Weight}));
        continue;
      }
      QVERIFY(table.count({l, R::KProj, qs::TensorKind::Key}));
      QVERIFY(table.count({l, R::VProj, qs::TensorKind::Value}));
      const auto& k = table.at({l, R::KProj, qs::TensorKind::Key});
      QVERIFY(std::isfinite(k.kurtosis()) && k.absmax() > 0);
    }
  }

  // Mixtral: every expert's weights and the inputs routed to it have statistics of their own.
  void expertStatistics() {
    auto model = load("mixtral");
    const int experts = model->config().moe.numExperts;
    auto collector = std::make_shared<qs::StatsCollector>();
    model->hooks().add(collector);
    at::manual_seed(6);
    model->forward(at::randint(4, 512, {2, 24}, at::kLong));
    model->hooks().remove(collector.get());
    auto table = collector->table();
    auto weights = qs::collectWeightStats(*model);
    int64_t routed = 0;
    for (int e = 0; e < experts; ++e) {
      QVERIFY(weights.count({0, qs::TensorRole::DownProj, qs::TensorKind::Weight, e}));
      auto it = table.find({0, qs::TensorRole::GateProj, qs::TensorKind::Activation, e});
      if (it != table.end()) routed += it->second.count();
    }
    QVERIFY(!table.count({0, qs::TensorRole::GateProj, qs::TensorKind::Activation, -1}));
    // Each of the 48 tokens goes to top-k = 2 experts: 96 rows of 64 features reach the experts.
    QCOMPARE(routed, int64_t{2 * 24 * 2 * 64});
    QVERIFY(table.count({0, qs::TensorRole::Router, qs::TensorKind::Activation, -1}));
  }

  void kvConfigRefusedWithoutKvCache() {
    auto model = load("mamba");
    QVERIFY(!model->capabilities().hasKvCache);
    try {
      qs::QuantizedModel q(*model, qs::QuantConfig::parse("W4KV4"));
      QFAIL("a KV configuration was accepted by a model without a KV cache");
    } catch (const qs::Error& e) {
      QVERIFY2(std::string(e.what()).find("mamba has no KV cache") != std::string::npos, e.what());
    }
    {
      qs::QuantizedModel w4(*model, qs::QuantConfig::parse("W4-g16"));  // weight-only still applies
      QCOMPARE(w4.quantizedWeightCount(), 3 * model->config().numLayers);  // in, x, out (dt_proj off)
    }
    // dt_proj (input: the time-step rank, 4 here) joins through a rule with a group that divides it.
    qs::QuantizedModel withDt(*model, qs::QuantConfig::parse("W4-g4-incl.dt_proj"));
    QCOMPARE(withDt.quantizedWeightCount(), 4 * model->config().numLayers);
  }
};

QTEST_GUILESS_MAIN(TestFamilyQuantization)
#include "test_family_quantization.moc"
