// Layer sensitivity scans on a real (tiny, random) LLaMA: a linear made fragile on purpose ranks
// first, each KL is what a direct measurement with that one linear quantized gives, and the model
// is left as it was.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>

#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/model/model.h"
#include "quant/quantized_model.h"
#include "quant/single_tensor_config.h"
#include "quant/tensor_stats.h"
#include "tasks/layer_sensitivity.h"
#include "tests/support/test_support.h"

namespace {

using qs::TensorRole;

at::Tensor* linearWeight(qs::Model& model, int layer, TensorRole role) {
  for (const auto& lw : model.linearWeights())
    if (lw.layer == layer && lw.role == role) return lw.weight;
  return nullptr;
}

// Layer 1's up_proj made fragile: the MLP norm's channel 0 is zeroed, so up_proj's input column 0
// is always 0 and a huge weight there changes nothing at full precision; quantized (one group per
// row), that weight sets the scale and every other weight of the row rounds to 0, so the layer's
// MLP output vanishes.
void makeUpProjFragile(qs::Model& model) {
  bool found = false;
  for (auto& g : model.normGroups()) {
    bool feedsUp = false;
    for (const auto& l : g.linears) feedsUp = feedsUp || (g.layer == 1 && l.role == TensorRole::UpProj);
    if (!feedsUp) continue;
    auto w = g.weight->clone();
    w[0] = 0;
    *g.weight = w;
    found = true;
  }
  QVERIFY(found);
  at::Tensor* up = linearWeight(model, 1, TensorRole::UpProj);
  QVERIFY(up);
  auto w = up->clone();
  w.select(1, 0).fill_(1000);
  *up = w;
}

bool bitEqual(const at::Tensor& a, const at::Tensor& b) {
  return a.sizes().equals(b.sizes()) &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.numel() * a.element_size()) == 0;
}

}  // namespace

class TestLayerSensitivity : public QObject {
  Q_OBJECT
  std::filesystem::path dir_;
  at::Tensor ids_;
  const qs::QuantConfig w3_ = qs::QuantConfig::parse("W3-g64");

 private Q_SLOTS:
  void initTestCase() {
    qs::configureThreads();
    dir_ = qs::test::goldenDir() / "llama";  // 2 layers, hidden 64, MLP 128, vocab 512
    if (!std::filesystem::exists(dir_ / "model.safetensors")) QSKIP("tests/data/golden/llama is not available");
    at::manual_seed(11);
    ids_ = at::randint(4, 512, {3, 16}, at::kLong);
  }

  void fragileLinearRanksFirst() {
    auto model = qs::Model::load(dir_);
    makeUpProjFragile(*model);
    const auto scan = qs::scanLayerSensitivity(*model, w3_, ids_, {});
    QCOMPARE(scan.size(), size_t{14});  // 2 layers x 7 linear roles, no lm_head
    for (const auto& s : scan) {
      QVERIFY(std::isfinite(s.klDivergence) && s.klDivergence >= 0);
      QCOMPARE(s.tokens, int64_t{48});
    }
    const auto ranked = qs::rankBySensitivity(scan);
    QCOMPARE(ranked.front().layer, 1);
    QCOMPARE(ranked.front().role, TensorRole::UpProj);
    QVERIFY2(ranked.front().klDivergence > 2 * ranked[1].klDivergence,
             qPrintable(QString("first %1, second %2").arg(ranked.front().klDivergence).arg(ranked[1].klDivergence)));
    for (size_t i = 1; i < ranked.size(); ++i) QVERIFY(ranked[i - 1].klDivergence >= ranked[i].klDivergence);
  }

  void klIsTheDirectMeasurementOfOneQuantizedLinear() {
    auto model = qs::Model::load(dir_);
    const auto scan = qs::scanLayerSensitivity(*model, w3_, ids_, {}, nullptr, 2);  // batches of 2 and 1 windows
    const auto& kProj = scan.at(1);
    QCOMPARE(kProj.layer, 0);
    QCOMPARE(kProj.role, TensorRole::KProj);
    const auto p = at::log_softmax(model->forward(ids_), -1);
    at::Tensor q;
    {
      qs::QuantizedModel one(*model, qs::singleTensorConfig(w3_, 0, TensorRole::KProj));
      QCOMPARE(one.quantizedWeightCount(), 1);
      q = at::log_softmax(model->forward(ids_), -1);
    }
    const double direct = (p.exp() * (p - q)).sum(-1).clamp_min(0).mean().item<double>();
    QVERIFY(direct > 0);
    QVERIFY2(std::abs(kProj.klDivergence - direct) <= 1e-3 * direct,
             qPrintable(QString("scan %1, direct %2").arg(kProj.klDivergence).arg(direct)));
  }

  void modelRestoredAndProgressReported() {
    auto model = qs::Model::load(dir_);
    const auto before = model->forward(ids_);
    std::vector<qs::SensitivityProgress> seen;
    qs::scanLayerSensitivity(*model, w3_, ids_, [&](const qs::SensitivityProgress& p) { seen.push_back(p); });
    QVERIFY(model->hooks().empty());
    QVERIFY(bitEqual(model->forward(ids_), before));
    QCOMPARE(seen.size(), size_t{15});  // before each of 14 linears, and once done
    QCOMPARE(seen.front().done, 0);
    QCOMPARE(seen.front().etaSeconds, -1.0);
    QCOMPARE(seen.back().done, 14);
    QCOMPARE(seen.back().total, 14);
    QVERIFY(seen[1].etaSeconds >= 0);
  }

  void cancelStopsTheScanAndLeavesTheModel() {
    auto model = qs::Model::load(dir_);
    const auto before = model->forward(ids_);
    qs::CancelToken cancel;
    int calls = 0;
    QVERIFY_THROWS_EXCEPTION(qs::Cancelled, qs::scanLayerSensitivity(*model, w3_, ids_, [&](const qs::SensitivityProgress& p) {
      if (++calls == 3) cancel.cancel();  // while the third linear is quantized
      (void)p;
    }, &cancel));
    QCOMPARE(calls, 3);
    QVERIFY(model->hooks().empty());
    QVERIFY(bitEqual(model->forward(ids_), before));
  }

  void refusesWhatIsNotOneLinear() {
    auto model = qs::Model::load(dir_);
    for (const char* name : {"W4A16KV4-g64", "W3-g64-gptq", "W3-g64-excl.down_proj"})
      QVERIFY_THROWS_EXCEPTION(qs::Error, qs::scanLayerSensitivity(*model, qs::QuantConfig::parse(name), ids_, {}));
    // A group that does not fit is named by the tensor, and the model is left unquantized.
    try {
      qs::scanLayerSensitivity(*model, qs::QuantConfig::parse("W3-g48"), ids_, {});
      QFAIL("group 48 accepted on a 64-wide linear");
    } catch (const qs::Error& e) {
      QVERIFY2(std::string(e.what()).find("layer 0 q_proj") != std::string::npos, e.what());
    }
    QVERIFY(model->hooks().empty());
  }

  void kurtosisAlignedWithTheScan() {
    auto model = qs::Model::load(dir_);
    makeUpProjFragile(*model);
    std::vector<qs::LinearSensitivity> scan{{1, TensorRole::UpProj, 0, 0}, {0, TensorRole::QProj, 0, 0}};
    const auto k = qs::weightKurtosis(*model, scan);
    const auto table = qs::collectWeightStats(*model);
    QCOMPARE(k.size(), size_t{2});
    QCOMPARE(k[0], table.at({1, TensorRole::UpProj, qs::TensorKind::Weight, -1}).kurtosis());
    QCOMPARE(k[1], table.at({0, TensorRole::QProj, qs::TensorKind::Weight, -1}).kurtosis());
    QVERIFY(k[0] > 10 * k[1]);  // the fragile weight's column of 1000s is all outlier
  }
};

QTEST_GUILESS_MAIN(TestLayerSensitivity)
#include "test_layer_sensitivity.moc"
