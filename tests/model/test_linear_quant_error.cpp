// Per-linear quantization error on a real (tiny, random) LLaMA: an exactly representable weight has
// no error and an infinite SQNR (stored as NULL), the others match an independent computation.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>

#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "quant/fake_quant.h"
#include "quant/quant_error.h"
#include "tasks/linear_quant_error.h"
#include "tests/support/test_support.h"

namespace {

using qs::TensorRole;

at::Tensor* linearWeight(qs::Model& model, int layer, TensorRole role) {
  for (const auto& lw : model.linearWeights())
    if (lw.layer == layer && lw.role == role) return lw.weight;
  return nullptr;
}

// Every row of every group of 64 holds the 16 values (k - 8) / 32, k = 0..15, four times: the W4
// g64 grid of each group is exactly those values (scale 1/32, zero point 8).
void makeRepresentable(qs::Model& model, int layer, TensorRole role) {
  at::Tensor* w = linearWeight(model, layer, role);
  QVERIFY(w);
  const auto grid = (at::arange(16, at::kFloat) - 8).div(32);
  *w = grid.repeat({w->size(0), w->size(1) / 16}).contiguous();
}

const qs::LinearQuantError* find(const std::vector<qs::LinearQuantError>& errors, int layer, TensorRole role) {
  for (const auto& e : errors)
    if (e.layer == layer && e.role == role) return &e;
  return nullptr;
}

}  // namespace

class TestLinearQuantError : public QObject {
  Q_OBJECT
  std::filesystem::path dir_;
  at::Tensor ids_;

 private Q_SLOTS:
  void initTestCase() {
    qs::configureThreads();
    dir_ = qs::test::goldenDir() / "llama";
    if (!std::filesystem::exists(dir_ / "model.safetensors")) QSKIP("tests/data/golden/llama is not available");
    at::manual_seed(3);
    ids_ = at::randint(4, 512, {2, 12}, at::kLong);
  }

  void representableWeightIsExactAndStoredAsNull() {
    auto model = qs::Model::load(dir_);
    makeRepresentable(*model, 0, TensorRole::QProj);
    const auto before = model->forward(ids_);
    const auto errors = qs::measureQuantErrors(*model, qs::QuantConfig::parse("W4-g64"), ids_);
    QCOMPARE(errors.size(), size_t{14});
    const auto* q = find(errors, 0, TensorRole::QProj);
    QVERIFY(q && q->weightRelError && q->outputRelError);
    QCOMPARE(*q->weightRelError, 0.0);
    QCOMPARE(*q->outputRelError, 0.0);  // A16: the same weights on the same input
    QCOMPARE(q->outputRows, int64_t{24});
    for (const auto& e : errors) {
      if (&e == q) continue;
      QVERIFY(e.weightRelError && *e.weightRelError > 0.01 && *e.weightRelError < 0.5);
      QVERIFY(e.outputRelError && *e.outputRelError > 0);
    }
    QVERIFY(model->hooks().empty());
    QVERIFY(at::equal(model->forward(ids_), before));  // weights restored

    const auto db = qs::test::freshTempDir("linear-quant-error") / "e.qsdb";
    {
      qs::ExperimentStore store(db);
      qs::ModelRecord m;
      m.path = dir_.string();
      m.fingerprint = "test-llama";
      const int64_t modelId = store.upsertModel(m);
      store.putQuantErrors(qs::quantErrorRecords(errors, modelId, "W4A16KV16-g64", "test n=2 L=12"));
    }
    qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
    const auto rows = store.quantErrors(std::nullopt, std::string("W4A16KV16-g64"), std::string("test n=2 L=12"));
    QCOMPARE(rows.size(), size_t{14});
    for (const auto& r : rows) {
      if (r.layer == 0 && r.role == "q_proj") {
        QCOMPARE(r.weightRelError.value_or(-1), 0.0);
        QVERIFY(!r.weightSqnrDb);  // infinite: NULL
        QVERIFY(!r.outputSqnrDb);
      } else {
        QVERIFY(r.weightSqnrDb && r.outputSqnrDb);
        QVERIFY(std::abs(*r.weightSqnrDb + 20 * std::log10(*r.weightRelError)) < 1e-9);
      }
    }
  }

  void weightErrorMatchesTheReferenceQuantizer() {
    auto model = qs::Model::load(dir_);
    const auto config = qs::QuantConfig::parse("W3-g64");
    const auto errors = qs::measureQuantErrors(*model, config, ids_);
    const at::Tensor w = *linearWeight(*model, 1, TensorRole::DownProj);
    const auto expected = qs::relativeError(qs::fakeQuantizeReference(w, config.weight), w);
    const auto* down = find(errors, 1, TensorRole::DownProj);
    QVERIFY(down && down->weightRelError && expected);
    QVERIFY(std::abs(*down->weightRelError - *expected) < 1e-12);
  }

  void activationQuantizationCountsInTheOutputError() {
    auto model = qs::Model::load(dir_);
    makeRepresentable(*model, 0, TensorRole::QProj);
    const auto errors = qs::measureQuantErrors(*model, qs::QuantConfig::parse("W4A4-g64"), ids_);
    const auto* q = find(errors, 0, TensorRole::QProj);
    QVERIFY(q && q->weightRelError && q->outputRelError);
    QCOMPARE(*q->weightRelError, 0.0);
    QVERIFY(*q->outputRelError > 0.01);  // the input's 4-bit error alone
    // Activation-only: no weight error, an output error from the input alone.
    const auto aOnly = qs::measureQuantErrors(*model, qs::QuantConfig::parse("W16A4"), ids_);
    QVERIFY(!aOnly.front().weightRelError && aOnly.front().outputRelError);
  }

  void gptqLowersTheOutputErrorItMinimises() {
    auto model = qs::Model::load(dir_);
    const auto calib = at::randint(4, 512, {4, 32}, at::kLong);
    const auto rtn = qs::measureQuantErrors(*model, qs::QuantConfig::parse("W3-g64"), calib);
    const auto gptq = qs::measureQuantErrors(*model, qs::QuantConfig::parse("W3-g64-gptq"), calib);
    QCOMPARE(rtn.size(), gptq.size());
    double rtnSum = 0, gptqSum = 0;
    for (size_t i = 0; i < rtn.size(); ++i) {
      rtnSum += *rtn[i].outputRelError;
      gptqSum += *gptq[i].outputRelError;
    }
    QVERIFY2(gptqSum < rtnSum, qPrintable(QString("gptq %1, rtn %2").arg(gptqSum).arg(rtnSum)));
  }

  void refusesMethodsThatChangeTheBasis() {
    auto model = qs::Model::load(dir_);
    try {
      qs::measureQuantErrors(*model, qs::QuantConfig::parse("W4-g64-awq"), ids_);
      QFAIL("awq accepted");
    } catch (const qs::Error& e) {
      QVERIFY2(std::string(e.what()).find("awq") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestLinearQuantError)
#include "test_linear_quant_error.moc"
