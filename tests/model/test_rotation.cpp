// QuaRot (the "quarot" method): its rotations are orthogonal and seeded; rotating without
// quantizing leaves every RMSNorm family's logits as they were; the weights and activations it
// quantizes are exactly q_w(W Q), Q^T W H and x Q on the quantization grid; LayerNorm and
// state-space families are refused; restore() gives back every tensor bit for bit; on the demo
// model's held-out text W4A4 with rotation is closer to the FP model than plain RTN.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "quant/fake_quant.h"
#include "quant/quantized_model.h"
#include "quant/quarot.h"
#include "quant/rotation.h"
#include "tests/support/test_support.h"

namespace {

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

std::filesystem::path demoDir() { return qs::test::sourceDir() / "resources" / "demo-model"; }

std::unique_ptr<qs::Model> load(const QString& which) {
  return which == "demo" ? qs::Model::load(demoDir()) : qs::Model::load(qs::test::goldenDir() / which.toStdString());
}

at::Tensor tokens(int64_t n, int64_t l, int seed, int64_t vocab) {
  at::manual_seed(seed);
  return at::randint(4, vocab, {n, l}, at::kLong);
}

// Every tensor a method may replace: linears (and biases), the norms that fold into them.
std::vector<at::Tensor*> replaceableTensors(qs::Model& m) {
  std::vector<at::Tensor*> out;
  for (const auto& lw : m.linearWeights()) {
    out.push_back(lw.weight);
    if (lw.bias && lw.bias->defined()) out.push_back(lw.bias);
  }
  auto groups = m.normGroups();
  if (auto head = m.finalNormGroup()) groups.push_back(*head);
  for (const auto& g : groups) out.push_back(g.weight);
  return out;
}

const qs::LinearWeight& linearOf(const std::vector<qs::LinearWeight>& all, int layer, qs::TensorRole role) {
  for (const auto& lw : all)
    if (lw.layer == layer && lw.role == role && lw.expert < 0) return lw;
  throw qs::Error("test: no such linear");
}

// Records one linear's input as it leaves the hooks installed before this one.
struct GrabInput : qs::TensorHook {
  int layer;
  qs::TensorRole role;
  at::Tensor seen;
  GrabInput(int l, qs::TensorRole r) : layer(l), role(r) {}
  void operator()(const qs::HookPoint& p, at::Tensor& x) override {
    if (p.kind == qs::TensorKind::Activation && p.layer == layer && p.role == role && !seen.defined()) seen = x.clone();
  }
};

// Rotates a linear's input and back, as QuantizedModel's hook does, with nothing quantized.
struct RotateOnly : qs::TensorHook {
  std::map<qs::LinearKey, at::Tensor> rotations;
  void operator()(const qs::HookPoint& p, at::Tensor& x) override {
    if (p.kind != qs::TensorKind::Activation) return;
    if (auto r = rotations.find({p.layer, p.role, p.expert}); r != rotations.end())
      x = at::matmul(at::matmul(x, r->second), r->second.t());
  }
};

}  // namespace

class TestRotation : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { qs::configureThreads(); }

  void rotationsAreOrthogonalAndSeeded_data() {
    QTest::addColumn<int>("n");
    for (int n : {1, 64, 128, 172, 384}) QTest::newRow(std::to_string(n).c_str()) << n;
  }
  void rotationsAreOrthogonalAndSeeded() {
    QFETCH(int, n);
    const auto q = qs::randomOrthogonal(n, 0);
    QCOMPARE(q.sizes().vec(), (std::vector<int64_t>{n, n}));
    QVERIFY2(maxDiff(at::matmul(q, q.t()), at::eye(n)) < 1e-5, "Q Q^T != I");
    QVERIFY2(maxDiff(at::matmul(q.t(), q), at::eye(n)) < 1e-5, "Q^T Q != I");
    QVERIFY(at::equal(q, qs::randomOrthogonal(n, 0)));
    at::manual_seed(99);  // the global generator has no say
    QVERIFY(at::equal(q, qs::randomOrthogonal(n, 0)));
    if (n > 1) QVERIFY(!at::equal(q, qs::randomOrthogonal(n, 1)));
    if ((n & (n - 1)) == 0)  // a randomized Hadamard matrix: every entry +-1/sqrt(n)
      QVERIFY(maxDiff(q.abs(), at::full({n, n}, 1.0 / std::sqrt(double(n)))) < 1e-7);
  }

  // Folding the norms and rotating the weights and inputs, with an identity "quantizer", is exact
  // in real arithmetic: the logits stay within float rounding. The demo model's MLP (384) takes the
  // QR path, the golden models' sizes the Hadamard one; Mixtral adds router and experts.
  void rotationWithoutQuantizationKeepsTheLogits_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"demo", "llama", "mistral", "qwen2", "gemma", "mixtral", "chatglm3"}) QTest::newRow(m) << m;
  }
  void rotationWithoutQuantizationKeepsTheLogits() {
    QFETCH(QString, model);
    auto m = load(model);
    const auto ids = tokens(2, 24, 3, m->config().vocabSize);
    const auto fp = m->forward(ids);
    const auto config = qs::QuantConfig::parse("W4A4-g16-incl.lm_head-incl.router");
    auto identity = [](const qs::LinearWeight&, const at::Tensor& w) { return w; };
    const auto result = qs::applyQuaRot(*m, config, 0, identity);
    // q, k, v, gate, up, down of every layer at least (experts and the head add more).
    QVERIFY2(int(result.inputRotations.size()) >= 6 * m->config().numLayers, "too few inputs rotated");
    QCOMPARE(result.quantizedWeights, int(m->linearWeights().size()));
    auto hook = std::make_shared<RotateOnly>();
    hook->rotations = result.inputRotations;
    m->hooks().add(hook);
    const double moved = maxDiff(m->forward(ids), fp);
    QVERIFY2(moved < 1e-4, qPrintable(QString("%1: rotation moved the FP logits by %2").arg(model).arg(moved)));
  }

  // The quantized tensors are the rotated model's: q_proj's weight is q_w(diag-folded W Q) Q^T,
  // down_proj's Q q_w(Q^T W H) H^T, and q_proj's input x~ satisfies x~ Q = q_a(x~ Q).
  void quantizesInTheRotatedBasis() {
    auto m = load("demo");
    const auto config = qs::QuantConfig::parse("W4A4-g32-quarot");
    const auto before = m->linearWeights();
    const at::Tensor wq = *linearOf(before, 0, qs::TensorRole::QProj).weight;
    const at::Tensor wdown = *linearOf(before, 0, qs::TensorRole::DownProj).weight;
    const at::Tensor gamma = *m->normGroups().front().weight;  // layer 0's input norm, feeding q/k/v
    const auto q = qs::randomOrthogonal(m->config().hiddenSize, 0);
    const auto h = qs::randomOrthogonal(wdown.size(1), 0);

    qs::QuantizedModel quantized(*m, config);
    QVERIFY(quantized.quantizedWeightCount() == 7 * m->config().numLayers);
    const auto after = m->linearWeights();
    const auto expectedQ = qs::fakeQuantize(at::matmul(wq * gamma.unsqueeze(0), q), config.weight);
    QVERIFY(maxDiff(at::matmul(*linearOf(after, 0, qs::TensorRole::QProj).weight, q), expectedQ) < 1e-5);
    const auto expectedDown = qs::fakeQuantize(at::matmul(at::matmul(q.t(), wdown), h), config.weight);
    QVERIFY(maxDiff(at::matmul(at::matmul(q.t(), *linearOf(after, 0, qs::TensorRole::DownProj).weight), h),
                    expectedDown) < 1e-5);
    QVERIFY(maxDiff(*m->normGroups().front().weight, at::ones_like(gamma)) == 0.0);  // the norm is x / rms(x)

    auto grab = std::make_shared<GrabInput>(0, qs::TensorRole::QProj);
    m->hooks().add(grab);
    m->forward(tokens(1, 16, 4, m->config().vocabSize));
    m->hooks().remove(grab.get());
    const auto rotated = at::matmul(grab->seen, q);
    QVERIFY2(maxDiff(rotated, qs::fakeQuantize(rotated, config.activation)) < 1e-4, "x Q is not on the A4 grid");
    QVERIFY2(maxDiff(grab->seen, qs::fakeQuantize(grab->seen, config.activation)) > 1e-3,
             "the input itself should not be on the grid (it is quantized in the rotated basis)");
  }

  // Keys and values under W16A16KV4-quarot are quantized per head in a rotated basis: k R is on
  // the KV4 grid, k itself is not; without rotation k is on the grid.
  void kvCacheIsQuantizedInARotatedBasis() {
    auto m = load("demo");
    const auto ids = tokens(1, 16, 7, m->config().vocabSize);
    const int64_t headDim = m->config().attention.headDim;
    const auto r = qs::randomOrthogonal(headDim, 0);
    const auto spec = qs::kvSpecForHeadDim(qs::QuantConfig::parse("W16A16KV4-g32").kv, headDim);
    struct GrabKey : qs::TensorHook {
      at::Tensor seen;
      void operator()(const qs::HookPoint& p, at::Tensor& x) override {
        if (p.kind == qs::TensorKind::Key && p.layer == 0 && !seen.defined()) seen = x.clone();
      }
    };
    for (bool rotated : {false, true}) {
      qs::QuantizedModel q(*m, qs::QuantConfig::parse(rotated ? "W16A16KV4-g32-quarot" : "W16A16KV4-g32"));
      auto grab = std::make_shared<GrabKey>();
      m->hooks().add(grab);
      m->forward(ids);
      m->hooks().remove(grab.get());
      QVERIFY(grab->seen.defined());
      const auto k = grab->seen;
      const auto inBasis = rotated ? at::matmul(k, r) : k;
      QVERIFY2(maxDiff(inBasis, qs::fakeQuantize(inBasis, spec)) < 1e-4, rotated ? "k R is not on the KV4 grid" : "k is not on the grid");
      if (rotated) QVERIFY2(maxDiff(k, qs::fakeQuantize(k, spec)) > 1e-3, "k itself should be off the grid");
    }
  }

  void restoreIsExact() {
    auto m = load("demo");
    const auto ids = tokens(1, 16, 5, m->config().vocabSize);
    const auto fp = m->forward(ids);
    std::vector<at::Tensor> before;
    for (const at::Tensor* t : replaceableTensors(*m)) before.push_back(t->clone());
    {
      qs::QuantizedModel quantized(*m, qs::QuantConfig::parse("W4A4KV4-g32-quarot-incl.lm_head"));
      QVERIFY(maxDiff(m->forward(ids), fp) > 1e-3);
      QVERIFY(quantized.methodSeconds() > 0);
      quantized.restore();
      QVERIFY(!quantized.active());
    }
    const auto after = replaceableTensors(*m);
    QCOMPARE(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) QVERIFY(at::equal(*after[i], before[i]));
    QVERIFY(at::equal(m->forward(ids), fp));
  }

  // Linears that nothing quantizes keep their weights and norms: a KV-only name, an excluded layer.
  void unquantizedLinearsAreUntouched() {
    auto m = load("demo");
    std::vector<at::Tensor> before;
    for (const at::Tensor* t : replaceableTensors(*m)) before.push_back(t->clone());
    {
      qs::QuantizedModel kvOnly(*m, qs::QuantConfig::parse("W16A16KV4-g32-quarot"));
      const auto now = replaceableTensors(*m);
      for (size_t i = 0; i < now.size(); ++i) QVERIFY(at::equal(*now[i], before[i]));
    }
    qs::QuantizedModel excluded(*m, qs::QuantConfig::parse("W4A4-g32-quarot-excl.all.L1"));
    // The demo model's linears have no biases: replaceableTensors lists them, then the norms.
    const auto linears = m->linearWeights();
    const auto norms = m->normGroups();
    for (size_t i = 0; i < linears.size(); ++i)
      QVERIFY(at::equal(*linears[i].weight, before[i]) == (linears[i].layer == 1 || linears[i].layer < 0));  // lm_head: off
    for (size_t i = 0; i < norms.size(); ++i)
      QVERIFY(at::equal(*norms[i].weight, before[linears.size() + i]) == (norms[i].layer == 1));
    QVERIFY(excluded.quantizedWeightCount() == 7 * (m->config().numLayers - 1));
  }

  void layerNormAndStateSpaceFamiliesAreRefused_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"opt", "falcon", "gpt2", "mamba"}) QTest::newRow(m) << m;
  }
  void layerNormAndStateSpaceFamiliesAreRefused() {
    QFETCH(QString, model);
    auto m = load(model);
    const auto ids = tokens(1, 8, 6, m->config().vocabSize);
    const auto fp = m->forward(ids);
    try {
      qs::QuantizedModel q(*m, qs::QuantConfig::parse("W4A4-g16-quarot"));
      QFAIL("quarot on a family without RMSNorm was accepted");
    } catch (const qs::Error& e) {
      const QString what = e.what();
      qInfo("%s", e.what());
      QVERIFY2(what.contains("quarot needs RMSNorm") && what.contains(model), e.what());
    }
    QVERIFY(at::equal(m->forward(ids), fp));
  }

  // The paper's claim at the scale the demo model allows: rotation spreads the activations'
  // outlier channels, so W4A4's logits on real text move less with it than with plain RTN.
  void rotationBeatsRoundToNearestAtW4A4() {
    auto m = load("demo");
    std::ifstream in(qs::test::sourceDir() / "resources" / "demo-data" / "heldout.txt");
    std::stringstream text;
    text << in.rdbuf();
    auto ids = qs::Tokenizer::load(demoDir())->encode(text.str().substr(0, 4000), false);
    ids.resize(std::min<size_t>(ids.size(), 256));
    const auto input = at::tensor(std::vector<int64_t>(ids.begin(), ids.end())).unsqueeze(0);
    const auto fp = m->forward(input);
    auto error = [&](const char* name) {
      qs::QuantizedModel q(*m, qs::QuantConfig::parse(name));
      return (m->forward(input) - fp).pow(2).mean().item<double>();
    };
    const double rtn = error("W4A4KV16-g32"), rotated = error("W4A4KV16-g32-quarot");
    qInfo("logit MSE against FP on held-out text: W4A4 rtn %.4g, quarot %.4g", rtn, rotated);
    QVERIFY2(rotated < rtn, "rotation did not help W4A4");
    const double kvRtn = error("W16A16KV4-g32"), kvRotated = error("W16A16KV4-g32-quarot");
    qInfo("logit MSE against FP on held-out text: KV4 rtn %.4g, quarot %.4g", kvRtn, kvRotated);
    const double allRtn = error("W4A4KV4-g32"), allRotated = error("W4A4KV4-g32-quarot");
    qInfo("logit MSE against FP on held-out text: W4A4KV4 rtn %.4g, quarot %.4g", allRtn, allRotated);
    QVERIFY2(allRotated < allRtn, "rotation did not help W4A4KV4");
  }
};

QTEST_GUILESS_MAIN(TestRotation)
#include "test_rotation.moc"
