#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <tuple>

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

// Every non-negative value of an element format, decoded from its codes (sign-magnitude minifloat
// with bias 2^(e-1) - 1, subnormals at exponent field 0), independently of roundToGrid; ascending.
std::vector<double> gridValues(qs::NumberFormat f) {
  int e = 0, m = 0;
  bool fnNan = false, ieeeSpecials = false;
  switch (f) {
    case qs::NumberFormat::Fp8E4M3: e = 4, m = 3, fnNan = true; break;
    case qs::NumberFormat::Fp8E5M2: e = 5, m = 2, ieeeSpecials = true; break;
    case qs::NumberFormat::MxFp4: e = 2, m = 1; break;
    case qs::NumberFormat::MxFp6: e = 2, m = 3; break;
    case qs::NumberFormat::MxFp6E3M2: e = 3, m = 2; break;
    case qs::NumberFormat::MxInt8: {
      std::vector<double> v;
      for (int k = 0; k <= 127; ++k) v.push_back(k / 64.0);
      return v;
    }
    default: return {};
  }
  const int bias = (1 << (e - 1)) - 1;
  std::vector<double> v;
  for (int code = 0; code < (1 << (e + m)); ++code) {
    const int ef = code >> m, mf = code & ((1 << m) - 1);
    if (fnNan && code == (1 << (e + m)) - 1) continue;      // E4M3fn: S.1111.111 is NaN
    if (ieeeSpecials && ef == (1 << e) - 1) continue;        // E5M2: infinities and NaNs
    v.push_back(ef == 0 ? std::ldexp(mf, 1 - bias - m) : std::ldexp((1 << m) + mf, ef - bias - m));
  }
  return v;
}

const qs::NumberFormat kGridFormats[] = {qs::NumberFormat::Fp8E4M3, qs::NumberFormat::Fp8E5M2,
                                         qs::NumberFormat::MxFp4,   qs::NumberFormat::MxFp6,
                                         qs::NumberFormat::MxFp6E3M2, qs::NumberFormat::MxInt8};
const qs::NumberFormat kAllFormats[] = {qs::NumberFormat::Fp8E4M3, qs::NumberFormat::Fp8E5M2, qs::NumberFormat::Nf4,
                                        qs::NumberFormat::MxFp4,   qs::NumberFormat::MxFp6,   qs::NumberFormat::MxFp6E3M2,
                                        qs::NumberFormat::MxInt8};

float toGrid(float v, qs::NumberFormat f) { return qs::roundToGrid(v, qs::elementGrid(f)); }

// Inputs that stress the format paths: random scales, heavy tails, single sign, and edge groups.
at::Tensor formatInput(const std::vector<int64_t>& shape, int variant, at::ScalarType dtype) {
  const double scales[] = {1e-4, 0.02, 1.0, 300.0};
  at::Tensor x = at::randn(shape) * scales[variant % 4];
  if (variant % 3 == 1) x = x.abs() + scales[variant % 4];
  if (variant % 5 == 2) x = studentT3(shape) * scales[variant % 4];
  if (variant % 7 == 3) x = -x.abs();
  // Edge rows: zeros, all equal, huge, tiny and float32-subnormal values.
  at::Tensor rows = x.reshape({-1, shape.back()});
  const float huge = dtype == at::kHalf ? 6e4f : 1e30f;  // finite in the dtype
  const float edges[] = {0.f, 0.37f, huge, 1e-30f, 1e-40f, -2.5e-39f};
  for (int64_t r = 0; r < std::min<int64_t>(rows.size(0), 6); ++r) rows[r].fill_(edges[r]);
  return x.to(dtype);
}

qs::QuantSpec formatSpec(qs::NumberFormat f, int granularity, int64_t last) {
  if (qs::isMicroscaling(f)) return qs::QuantSpec::ofFormat(f);
  if (granularity == 0) return qs::QuantSpec::ofFormat(f, qs::Granularity::PerTensor);
  if (granularity == 1) return qs::QuantSpec::ofFormat(f, qs::Granularity::PerChannel);
  return qs::QuantSpec::ofFormat(f, qs::Granularity::PerGroup, last % 64 == 0 ? 64 : last);
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

  // roundToGrid against the decoded code tables: every value maps to itself, every midpoint to the
  // neighbour with the even code, values beside a midpoint to the nearer one, beyond max to max.
  void gridRoundingMatchesDecodedCodes() {
    for (auto f : kGridFormats) {
      const auto values = gridValues(f);
      const float maxValue = qs::elementGrid(f).maxValue;
      QCOMPARE(values.back(), double(maxValue));
      for (size_t i = 0; i < values.size(); ++i) {
        const float v = static_cast<float>(values[i]);
        QCOMPARE(toGrid(v, f), v);
        QCOMPARE(toGrid(-v, f), -v);
        if (i + 1 == values.size()) break;
        const float mid = static_cast<float>((values[i] + values[i + 1]) / 2);
        const float even = static_cast<float>(i % 2 == 0 ? values[i] : values[i + 1]);
        QVERIFY2(toGrid(mid, f) == even, qPrintable(QString("%1 midpoint %2").arg(int(f)).arg(mid)));
        QCOMPARE(toGrid(std::nextafter(mid, 0.f), f), static_cast<float>(values[i]));
        QCOMPARE(toGrid(std::nextafter(mid, 1e30f), f), static_cast<float>(values[i + 1]));
      }
      for (float big : {maxValue * 1.01f, maxValue * 2.f, 1e30f, 3e38f}) {
        QCOMPARE(toGrid(big, f), maxValue);
        QCOMPARE(toGrid(-big, f), -maxValue);
      }
      const float minSub = static_cast<float>(values[1]);
      QCOMPARE(toGrid(minSub / 2, f), 0.f);  // a tie with 0: to the even code 0
      QCOMPARE(toGrid(1e-40f, f), 0.f);
      QVERIFY(std::signbit(toGrid(-1e-40f, f)));  // the sign survives as -0
    }
  }

  void fp8KnownAnswers() {
    using qs::NumberFormat;
    QCOMPARE(toGrid(448.f, NumberFormat::Fp8E4M3), 448.f);
    QCOMPARE(toGrid(449.f, NumberFormat::Fp8E4M3), 448.f);
    QCOMPARE(toGrid(-1e6f, NumberFormat::Fp8E4M3), -448.f);
    QCOMPARE(toGrid(0.001953125f, NumberFormat::Fp8E4M3), 0.001953125f);  // 2^-9, smallest subnormal
    QCOMPARE(toGrid(0.0029296875f, NumberFormat::Fp8E4M3), 0.00390625f);  // 1.5 * 2^-9: tie to 2 * 2^-9
    QCOMPARE(toGrid(0.015625f, NumberFormat::Fp8E4M3), 0.015625f);        // 2^-6, smallest normal
    QCOMPARE(toGrid(1.0625f, NumberFormat::Fp8E4M3), 1.f);                // tie between 1 and 1.125
    QCOMPARE(toGrid(1.1875f, NumberFormat::Fp8E4M3), 1.25f);              // tie between 1.125 and 1.25
    QCOMPARE(toGrid(248.f, NumberFormat::Fp8E4M3), 256.f);                // tie between 240 and 256
    QCOMPARE(toGrid(57344.f, NumberFormat::Fp8E5M2), 57344.f);
    QCOMPARE(toGrid(61440.f, NumberFormat::Fp8E5M2), 57344.f);            // where E5M2 would round to inf
    QCOMPARE(toGrid(1.52587890625e-05f, NumberFormat::Fp8E5M2), 1.52587890625e-05f);  // 2^-16
    QCOMPARE(toGrid(1.125f, NumberFormat::Fp8E5M2), 1.f);
    // Through the fake quantization: a per-tensor absmax of 448 gives scale 1, so the grid itself.
    at::Tensor x = at::tensor({448.f, 0.001953125f, -0.0029296875f, 1.0625f, 248.f, 100.f, -3.3f, 0.f});
    at::Tensor expected = at::tensor({448.f, 0.001953125f, -0.00390625f, 1.f, 256.f, 96.f, -3.25f, 0.f});
    const auto spec = qs::QuantSpec::ofFormat(NumberFormat::Fp8E4M3, qs::Granularity::PerTensor);
    QVERIFY(bitDifference(fused(x, spec), expected).isEmpty());
    QVERIFY(bitDifference(qs::fakeQuantizeReference(x, spec), expected).isEmpty());
  }

  // Elements in the normal range move by at most half a step: 2^-(m+1) of their magnitude.
  void fp8RelativeError() {
    at::Tensor x = at::randn({64, 256});
    for (auto [f, m] : {std::pair{qs::NumberFormat::Fp8E4M3, 3}, std::pair{qs::NumberFormat::Fp8E5M2, 2}}) {
      const auto spec = qs::QuantSpec::ofFormat(f, qs::Granularity::PerChannel);
      at::Tensor q = fused(x, spec);
      at::Tensor scale = x.abs().amax(1, true) / qs::elementGrid(f).maxValue;
      at::Tensor normal = (x / scale).abs() >= std::ldexp(1.0, qs::elementGrid(f).minExponent);
      at::Tensor rel = ((q - x).abs() / x.abs()).masked_select(normal);
      QVERIFY(rel.numel() > 10000);
      QVERIFY2(rel.max().item<double>() <= std::ldexp(1.0, -(m + 1)) * (1 + 1e-6), qPrintable(QString::number(m)));
      QVERIFY(rel.max().item<double>() > std::ldexp(1.0, -(m + 2)));  // the error bound is not loose
    }
  }

  void nf4ReproducesItsLevels() {
    for (int i = 0; i < 15; ++i)
      QCOMPARE(qs::nf4Midpoint(i), static_cast<float>((double(qs::nf4Level(i)) + double(qs::nf4Level(i + 1))) / 2));
    for (float absmax : {1.f, 3.7f, 0.0123f}) {
      std::vector<float> levels;
      for (int rep = 0; rep < 4; ++rep)
        for (int i = 0; i < 16; ++i) levels.push_back(qs::nf4Level(i) * absmax);
      at::Tensor x = at::tensor(levels).reshape({1, 64});
      const auto spec = qs::QuantSpec::ofFormat(qs::NumberFormat::Nf4, qs::Granularity::PerGroup, 64);
      QVERIFY(bitDifference(fused(x, spec), x).isEmpty());
      QVERIFY(bitDifference(qs::fakeQuantizeReference(x, spec), x).isEmpty());
    }
    // Between levels: the nearer one; exactly on a midpoint: the lower one, as bitsandbytes.
    at::Tensor x = at::tensor({1.f, 0.8f, 0.9f, qs::nf4Midpoint(14), -0.05f, 0.03f, 0.f, -1.f}).reshape({1, 8});
    at::Tensor expected = at::tensor({1.f, qs::nf4Level(14), 1.f, qs::nf4Level(14), qs::nf4Level(6), 0.f, 0.f, -1.f});
    const auto spec = qs::QuantSpec::ofFormat(qs::NumberFormat::Nf4, qs::Granularity::PerChannel);
    QVERIFY(bitDifference(fused(x, spec).reshape({8}), expected).isEmpty());
  }

  void mxfp4KnownBlock() {
    // absmax 12: shared exponent floor(log2 12) - 2 = 1, scale 2; elements x / 2 on the E2M1 grid.
    std::vector<float> x(32, 0.f), expected(32, 0.f);
    const std::pair<float, float> known[] = {{12.f, 12.f}, {7.f, 8.f},   {5.f, 4.f},    {0.4f, 0.f},
                                             {-0.6f, -1.f}, {2.9f, 3.f}, {-12.f, -12.f}, {1.f, 1.f}};
    for (size_t i = 0; i < std::size(known); ++i) std::tie(x[i], expected[i]) = known[i];
    // absmax 7: shared exponent 0, scale 1; 7 is above E2M1's max and saturates to 6 (the MX clip).
    std::vector<float> y{7.f, 5.f, -2.25f, 0.25f}, yExpected{6.f, 4.f, -2.f, 0.f};
    y.resize(32, 0.f), yExpected.resize(32, 0.f);
    x.insert(x.end(), y.begin(), y.end());
    expected.insert(expected.end(), yExpected.begin(), yExpected.end());
    const auto spec = qs::QuantSpec::ofFormat(qs::NumberFormat::MxFp4);
    at::Tensor in = at::tensor(x).reshape({2, 32}), want = at::tensor(expected).reshape({2, 32});
    QVERIFY(bitDifference(fused(in, spec), want).isEmpty());
    QVERIFY(bitDifference(qs::fakeQuantizeReference(in, spec), want).isEmpty());
    QCOMPARE(qs::mxSharedExponent(12.f, qs::elementGrid(qs::NumberFormat::MxFp4)), 1);
    QCOMPARE(qs::mxSharedExponent(0x1p-140f, qs::elementGrid(qs::NumberFormat::MxFp4)), -127);  // E8M0 floor
  }

  // Every block's scale is 2^(floor(log2 absmax) - emax) and every output / scale lies on the grid.
  void mxScaleIsAPowerOfTwoAndElementsOnGrid() {
    at::Tensor x = studentT3({16, 256}) * 0.3;
    for (auto f : {qs::NumberFormat::MxFp4, qs::NumberFormat::MxFp6, qs::NumberFormat::MxFp6E3M2,
                   qs::NumberFormat::MxInt8}) {
      const auto values = gridValues(f);
      at::Tensor q = fused(x, qs::QuantSpec::ofFormat(f)).reshape({-1, 32}).to(at::kDouble);
      at::Tensor blocks = x.reshape({-1, 32}).to(at::kDouble);
      for (int64_t b = 0; b < blocks.size(0); ++b) {
        const double absmax = blocks[b].abs().max().item<double>();
        const double scale = std::ldexp(1.0, int(std::floor(std::log2(absmax))) - qs::elementGrid(f).maxExponent);
        for (int64_t i = 0; i < 32; ++i) {
          const double e = std::abs(q[b][i].item<double>()) / scale;
          QVERIFY2(std::binary_search(values.begin(), values.end(), e),
                   qPrintable(QString("format %1 block %2: %3 not on the grid").arg(int(f)).arg(b).arg(e)));
        }
      }
    }
  }

  void formatsFusedMatchesReference() {
    const std::vector<std::vector<int64_t>> shapes{{7, 64}, {3, 5, 256}, {33, 96}, {1, 4096}, {300, 128}, {1000, 64}};
    int cases = 0;
    for (const auto& shape : shapes)
      for (auto f : kAllFormats)
        for (int gran = 0; gran < 3; ++gran)
          for (auto dtype : {at::kFloat, at::kHalf, at::kBFloat16}) {
            if (qs::isMicroscaling(f) && gran > 0) continue;  // one layout: blocks of 32
            const auto spec = formatSpec(f, gran, shape.back());
            at::Tensor x = formatInput(shape, cases, dtype);
            at::Tensor got = fused(x, spec);
            QVERIFY(got.isfinite().all().item<bool>());
            const QString diff = bitDifference(got, qs::fakeQuantizeReference(x, spec));
            QVERIFY2(diff.isEmpty(), qPrintable(QString("case %1 format %2 gran %3: %4")
                                                    .arg(cases).arg(QString::fromUtf8(qs::formatName(f).data(), int(qs::formatName(f).size()))).arg(gran).arg(diff)));
            const QString baseline = [&] {
              if (dtype != at::kFloat) return QString();
              at::Tensor out = at::empty_like(x);
              const int64_t len = spec.granularity == qs::Granularity::PerTensor ? x.numel()
                                  : spec.granularity == qs::Granularity::PerChannel ? shape.back() : spec.groupSize;
              qs::fq::quantizeGroupsBaseline(x.data_ptr<float>(), out.data_ptr<float>(), x.numel() / len, len, spec);
              return bitDifference(out, qs::fakeQuantizeReference(x, spec));
            }();
            QVERIFY2(baseline.isEmpty(), qPrintable(QString("baseline case %1: %2").arg(cases).arg(baseline)));
            ++cases;
          }
    QCOMPARE(cases, 6 * (3 * 3 * 3 + 4 * 3));
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
    // MX blocks are 32 elements along the last dimension; FP8 has 8-bit elements.
    QVERIFY_THROWS_EXCEPTION(qs::Error, fused(x, qs::QuantSpec::ofFormat(qs::NumberFormat::MxFp4)));
    qs::QuantSpec wrongBits = qs::QuantSpec::ofFormat(qs::NumberFormat::Fp8E4M3);
    wrongBits.bits = 4;
    QVERIFY_THROWS_EXCEPTION(qs::Error, fused(x.narrow(1, 0, 64), wrongBits));
    QVERIFY_THROWS_EXCEPTION(qs::Error, fused(at::ones({4, 4}, at::kLong), qs::QuantSpec::token(8)));
    // 16 bits = off: the input itself comes back.
    QVERIFY(fused(x, qs::QuantSpec::off()).is_same(x));
    // Empty tensors pass through.
    QCOMPARE(fused(at::empty({0, 128}), qs::QuantSpec::group(4, 128)).numel(), int64_t(0));
  }
};

QTEST_GUILESS_MAIN(TestFakeQuant)
#include "test_fake_quant.moc"
