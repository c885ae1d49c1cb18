#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "core/base/error.h"
#include "quant/fake_quant.h"
#include "quant/fake_quant_kernels.h"
#include "tests/support/test_support.h"

namespace {

// A minimal safetensors reader for F32 tensors (the golden file holds nothing else).
std::map<std::string, at::Tensor> readF32Safetensors(const std::filesystem::path& path) {
  const std::string bytes = qs::test::readFile(path);
  uint64_t headerLen = 0;
  std::memcpy(&headerLen, bytes.data(), 8);
  const auto header = nlohmann::json::parse(bytes.substr(8, headerLen));
  const char* data = bytes.data() + 8 + headerLen;
  std::map<std::string, at::Tensor> out;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    if (entry.at("dtype") != "F32") throw qs::Error(path.string() + ": " + name + " is not F32");
    auto shape = entry.at("shape").get<std::vector<int64_t>>();
    auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
    at::Tensor t = at::empty(shape, at::kFloat);
    if (offsets[1] - offsets[0] != static_cast<uint64_t>(t.numel()) * 4) throw qs::Error(name + ": size mismatch");
    std::memcpy(t.data_ptr<float>(), data + offsets[0], offsets[1] - offsets[0]);
    out[name] = t;
  }
  return out;
}

// Bitwise equality (so -0 != +0); on failure says where and what.
QString bitDifference(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || !a.sizes().equals(b.sizes())) return "dtype or shape differs";
  at::Tensor x = a.contiguous().cpu(), y = b.contiguous().cpu();
  const size_t elem = x.element_size();
  const auto* px = static_cast<const unsigned char*>(x.data_ptr());
  const auto* py = static_cast<const unsigned char*>(y.data_ptr());
  for (int64_t i = 0; i < x.numel(); ++i)
    if (std::memcmp(px + i * elem, py + i * elem, elem) != 0)
      return QString("element %1: %2 vs %3")
          .arg(i)
          .arg(x.reshape(-1)[i].item<double>(), 0, 'g', 9)
          .arg(y.reshape(-1)[i].item<double>(), 0, 'g', 9);
  return {};
}

at::Tensor fused(const at::Tensor& x, const qs::QuantSpec& spec) { return qs::fakeQuantize(x, spec); }

qs::QuantSpec specFromGoldenName(const std::string& name) {
  // asym_b4_g8
  const bool sym = name.rfind("sym_", 0) == 0;
  const auto b = name.find("_b"), g = name.find("_g");
  return qs::QuantSpec::group(std::stoi(name.substr(b + 2, g - b - 2)), std::stoll(name.substr(g + 2)), sym);
}

double rmse(const at::Tensor& a, const at::Tensor& b) {
  return std::sqrt((a.to(at::kDouble) - b.to(at::kDouble)).pow(2).mean().item<double>());
}

at::Tensor studentT3(std::vector<int64_t> shape) {
  at::Tensor z = at::randn(shape, at::kDouble);
  at::Tensor v = at::zeros(shape, at::kDouble);
  for (int i = 0; i < 3; ++i) v += at::randn(shape, at::kDouble).pow(2);
  return (z / (v / 3).sqrt()).to(at::kFloat);
}

}  // namespace

class TestFakeQuant : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { at::manual_seed(1234); }

  void goldenEdgeCases() {
    const auto path = qs::test::goldenDir() / "quant/fq_edge_cases.safetensors";
    if (!std::filesystem::exists(path)) QSKIP("golden fq_edge_cases.safetensors not found");
    auto tensors = readF32Safetensors(path);
    const at::Tensor input = tensors.at("input");
    int checked = 0;
    for (const auto& [name, expected] : tensors) {
      if (name == "input") continue;
      const auto spec = specFromGoldenName(name);
      const QString refDiff = bitDifference(qs::fakeQuantizeReference(input, spec), expected);
      QVERIFY2(refDiff.isEmpty(), qPrintable(QString::fromStdString(name) + " reference: " + refDiff));
      const QString fusedDiff = bitDifference(fused(input, spec), expected);
      QVERIFY2(fusedDiff.isEmpty(), qPrintable(QString::fromStdString(name) + " fused: " + fusedDiff));
      ++checked;
    }
    QCOMPARE(checked, 16);
  }

  void roundHalfEvenMatchesNearbyint() {
    std::vector<float> values;
    for (int k = -300; k <= 300; ++k) {
      values.push_back(k + 0.5f);
      values.push_back(k - 0.25f);
      values.push_back(std::nextafter(k + 0.5f, 1e9f));
      values.push_back(std::nextafter(k + 0.5f, -1e9f));
    }
    for (float big : {4194303.5f, 4194304.5f, 8388607.5f, 8388608.f, 8388609.f, 16777217.f, 1e20f, 3e38f, -0.f, 0.f,
                      -0.3f, 1e-40f, -1e-40f})
      values.push_back(big), values.push_back(-big);
    uint32_t state = 12345;
    for (int i = 0; i < 200000; ++i) {
      state = state * 1664525u + 1013904223u;
      float f;
      std::memcpy(&f, &state, 4);
      if (std::isfinite(f)) values.push_back(f);
    }
    for (float v : values) {
      const float a = qs::fq::roundHalfEven(v), b = std::nearbyint(v);
      QVERIFY2(std::memcmp(&a, &b, 4) == 0, qPrintable(QString("round(%1): %2 vs %3").arg(v, 0, 'g', 9).arg(a).arg(b)));
    }
  }

  void fusedMatchesReferenceOnRandomCases() {
    const std::vector<std::vector<int64_t>> shapes{{7, 64}, {3, 5, 256}, {33, 96}, {1, 4096}, {2, 4, 9, 64}, {300, 128}};
    const std::vector<double> scales{1e-4, 0.02, 1.0, 300.0};
    int cases = 0;
    for (const auto& shape : shapes)
      for (int bits : {2, 3, 4, 5, 8})
        for (bool sym : {false, true})
          for (auto zp : {qs::ZeroPoint::Reference, qs::ZeroPoint::GptqRangeIncludesZero})
            for (int gran = 0; gran < 4; ++gran) {
              if (sym && zp != qs::ZeroPoint::Reference) continue;
              qs::QuantSpec spec;
              spec.bits = bits;
              spec.symmetric = sym;
              spec.zeroPoint = zp;
              const int64_t last = shape.back();
              if (gran == 0) spec = {bits, qs::Granularity::PerTensor, 128, sym, zp};
              if (gran == 1) spec = {bits, qs::Granularity::PerChannel, 128, sym, zp};
              if (gran == 2) spec = {bits, qs::Granularity::PerGroup, last % 32 == 0 ? 32 : last, sym, zp};
              if (gran == 3) spec = {bits, qs::Granularity::PerGroup, last % 4 == 0 ? 4 : 1, sym, zp};
              const double scale = scales[cases % scales.size()];
              at::Tensor x = at::randn(shape) * scale;
              if (cases % 3 == 1) x = x.abs() + scale;  // single-sign groups: the clipped case
              if (cases % 5 == 2) x = studentT3(shape) * scale;
              const QString diff = bitDifference(fused(x, spec), qs::fakeQuantizeReference(x, spec));
              QVERIFY2(diff.isEmpty(), qPrintable(QString("case %1 bits %2 sym %3 gran %4: %5")
                                                      .arg(cases).arg(bits).arg(sym).arg(gran).arg(diff)));
              ++cases;
            }
    QCOMPARE(cases, 360);
  }

  // The dispatcher runs the AVX2 build on this CPU; the baseline build must give the same bits.
  void baselineBuildMatchesReference() {
    int cases = 0;
    for (int64_t len : {4, 8, 13, 64, 128, 4096})
      for (int bits : {2, 3, 4, 8})
        for (bool sym : {false, true}) {
          at::Tensor x = at::randn({37, len}) * (cases % 2 ? 0.01 : 30.0);
          if (cases % 3 == 0) x = x.abs();
          at::Tensor out = at::empty_like(x);
          const auto spec = qs::QuantSpec::channel(bits, sym);
          qs::fq::quantizeGroupsBaseline(x.data_ptr<float>(), out.data_ptr<float>(), 37, len, spec);
          QVERIFY2(bitDifference(out, qs::fakeQuantizeReference(x, spec)).isEmpty(), qPrintable(QString::number(cases)));
          ++cases;
        }
    QCOMPARE(cases, 48);
  }

  void perTensorLargeMatchesReference() {
    // Spans many parallel chunks, so the chunked range reduction is exercised.
    at::Tensor x = at::randn({1000, 333});
    for (bool sym : {false, true}) {
      auto spec = qs::QuantSpec::tensor(4, sym);
      QVERIFY(bitDifference(fused(x, spec), qs::fakeQuantizeReference(x, spec)).isEmpty());
    }
  }

  void halfTypesComputeInFloat32() {
    for (auto dtype : {at::kHalf, at::kBFloat16}) {
      at::Tensor x = (at::randn({64, 256}) * 3).to(dtype);
      for (auto spec : {qs::QuantSpec::group(4, 128), qs::QuantSpec::group(3, 64, true), qs::QuantSpec::token(8),
                        qs::QuantSpec::tensor(4)}) {
        at::Tensor out = fused(x, spec);
        QCOMPARE(out.scalar_type(), dtype);
        const at::Tensor viaFloat = qs::fakeQuantizeReference(x.to(at::kFloat), spec).to(dtype);
        QVERIFY(bitDifference(out, viaFloat).isEmpty());
        QVERIFY(bitDifference(out, qs::fakeQuantizeReference(x, spec)).isEmpty());
      }
    }
  }

  void inPlaceAndNonContiguous() {
    at::Tensor base = at::randn({128, 64});
    at::Tensor x = base.t();  // [64, 128], not contiguous
    auto spec = qs::QuantSpec::group(4, 32);
    at::Tensor expected = qs::fakeQuantizeReference(x, spec);
    QVERIFY(bitDifference(fused(x, spec), expected).isEmpty());
    at::Tensor y = x.contiguous();
    qs::fakeQuantizeInto(y, spec, y);
    QVERIFY(bitDifference(y, expected).isEmpty());
  }

  // RMSE / std within 10% of the uniform-noise model step / sqrt(12), step = range / qmax per group
  // (the model is an upper estimate: more mass sits near levels than uniform), and every element of
  // a group that contains 0 lies within half a step of its original.
  void errorBudgets() {
    struct Budget {
      int bits;
      double gaussianMax;  // RMSE / std bound on N(0,1) with group 128, asymmetric: 1.1 * 1.49 / qmax
    };
    // E[range of 128 normals] ~ 5.16 sigma, so step / sqrt(12) ~ 1.49 sigma / qmax.
    const Budget budgets[] = {{8, 1.1 * 1.49 / 255}, {4, 1.1 * 1.49 / 15}, {3, 1.1 * 1.49 / 7}, {2, 1.1 * 1.49 / 3}};
    for (const auto& [bits, gaussianMax] : budgets)
      for (int dist = 0; dist < 2; ++dist) {
        at::Tensor x = dist == 0 ? at::randn({512, 1024}) : studentT3({512, 1024});
        const auto spec = qs::QuantSpec::group(bits, 128);
        at::Tensor q = fused(x, spec);
        const double relRmse = rmse(q, x) / x.to(at::kDouble).std().item<double>();
        at::Tensor g = x.reshape({-1, 128});
        at::Tensor step = ((std::get<0>(g.max(1)) - std::get<0>(g.min(1))) / ((1 << bits) - 1)).to(at::kDouble);
        const double model = std::sqrt((step.pow(2) / 12).mean().item<double>()) / x.to(at::kDouble).std().item<double>();
        qInfo("W%d g128 %s: RMSE/std %.5f, uniform model %.5f", bits, dist ? "t3" : "gauss", relRmse, model);
        QVERIFY2(relRmse <= 1.1 * model, qPrintable(QString("bits %1 dist %2: %3 > 1.1 * %4").arg(bits).arg(dist).arg(relRmse).arg(model)));
        if (dist == 0) QVERIFY2(relRmse <= gaussianMax, qPrintable(QString("bits %1: %2 > %3").arg(bits).arg(relRmse).arg(gaussianMax)));
        // Groups straddling 0 are represented without clipping: error <= step / 2.
        at::Tensor err = (q.reshape({-1, 128}) - g).abs().to(at::kDouble);
        at::Tensor straddle = (std::get<0>(g.min(1)) < 0) & (std::get<0>(g.max(1)) > 0);
        at::Tensor excess = (err - step.unsqueeze(1) * (0.5 + 1e-5)).amax(1).masked_select(straddle);
        QVERIFY(excess.numel() > 0);
        QVERIFY2(excess.max().item<double>() <= 0, "an element moved by more than half a step");
      }
  }

  void constantAndZeroGroups() {
    at::Tensor x = at::zeros({4, 8});
    x[1].fill_(0.3);
    x[2].fill_(-0.3);
    x[3].fill_(1e-7);
    for (int bits : {2, 4, 8}) {
      const float qmax = static_cast<float>((1 << bits) - 1);
      at::Tensor q = fused(x, qs::QuantSpec::group(bits, 8));
      QVERIFY(bitDifference(q[0], at::zeros({8})).isEmpty());  // all zeros stay +0
      // A constant c > 0 cannot be represented (zero clamped to 0): it becomes qmax * (1e-5 / qmax).
      const float floorValue = qmax * (1e-5f / qmax);
      QCOMPARE(q[1][0].item<float>(), floorValue);
      QCOMPARE(q[2][0].item<float>(), -floorValue);
      QVERIFY(q.isfinite().all().item<bool>());
      at::Tensor s = fused(x, qs::QuantSpec::group(bits, 8, true));
      QVERIFY(std::abs(s[1][0].item<float>() - 0.3f) <= 1e-7f);
      QVERIFY(std::abs(s[2][0].item<float>() + 0.3f) <= 1e-7f);
    }
  }

  void noNanOnExtremeInputs() {
    at::Tensor x = at::tensor({1e30f, -1e30f, 1e-38f, -1e-45f, 0.f, -0.f, 3.f, 1e-30f}).reshape({2, 4});
    for (int bits : {2, 8})
      for (bool sym : {false, true})
        for (int64_t g : {2, 4}) {
          at::Tensor q = fused(x, qs::QuantSpec::group(bits, g, sym));
          QVERIFY(q.isfinite().all().item<bool>());
          QVERIFY(bitDifference(q, qs::fakeQuantizeReference(x, qs::QuantSpec::group(bits, g, sym))).isEmpty());
        }
  }

  void rejectsBadInput() {
    at::Tensor x = at::randn({15, 100});
    try {
      fused(x, qs::QuantSpec::group(4, 128));
      QFAIL("a group of 128 on a last dimension of 100 must throw");
    } catch (const qs::Error& e) {
      const QString msg = e.what();
      QVERIFY2(msg.contains("128") && msg.contains("[15, 100]") && msg.contains("does not divide"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::fakeQuantizeReference(x, qs::QuantSpec::group(4, 64)));
    QVERIFY_THROWS_EXCEPTION(qs::Error, fused(x, qs::QuantSpec{9, qs::Granularity::PerToken}));
    QVERIFY_THROWS_EXCEPTION(qs::Error, fused(at::ones({4, 4}, at::kLong), qs::QuantSpec::token(8)));
    // 16 bits = off: the input itself comes back.
    QVERIFY(fused(x, qs::QuantSpec::off()).is_same(x));
    // Empty tensors pass through.
    QCOMPARE(fused(at::empty({0, 128}), qs::QuantSpec::group(4, 128)).numel(), int64_t(0));
  }
};

QTEST_GUILESS_MAIN(TestFakeQuant)
#include "test_fake_quant.moc"
