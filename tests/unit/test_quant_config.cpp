#include <QtTest/QtTest>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "quant/bits_per_weight.h"
#include "quant/quant_config.h"

using qs::Granularity;
using qs::QuantConfig;
using qs::QuantSpec;
using qs::TensorRole;

class TestQuantConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void presetNames() {
    const std::map<std::string, std::string> expected{
        {"FP16", "FP16"},
        {"W8", "W8A16KV16-g128"},
        {"W4", "W4A16KV16-g128"},
        {"W3", "W3A16KV16-g128"},
        {"W2", "W2A16KV16-g128"},
        {"W8A8", "W8A8KV16-g128"},
        {"W4A8", "W4A8KV16-g128"},
        {"W4A4", "W4A4KV16-g128"},
        {"KV8", "W16A16KV8-g128"},
        {"KV4", "W16A16KV4-g128"},
        {"KV3", "W16A16KV3-g128"},
        {"KV2", "W16A16KV2-g128"},
    };
    QCOMPARE(QuantConfig::presetNames().size(), expected.size());
    for (const auto& preset : QuantConfig::presetNames()) {
      const QuantConfig c = QuantConfig::preset(preset);
      QCOMPARE(c.name(), expected.at(preset));
      QCOMPARE(QuantConfig::parse(c.name()).name(), c.name());
      QVERIFY(QuantConfig::parse(c.name()) == c);
    }
    const QuantConfig w4a8 = QuantConfig::preset("W4A8");
    QCOMPARE(w4a8.weight, QuantSpec::group(4, 128, false));
    QCOMPARE(w4a8.activation, QuantSpec::token(8, true));
    QVERIFY(!w4a8.kv.enabled());
    QCOMPARE(QuantConfig::preset("KV4").kv, QuantSpec::group(4, 128, false));
    QVERIFY(!QuantConfig::preset("FP16").quantizesAnything());
    QVERIFY_THROWS_EXCEPTION(qs::Error, QuantConfig::preset("W5"));
  }

  void canonicalExamples() {
    QuantConfig c;
    c.weight = QuantSpec::group(4, 128);
    c.activation = QuantSpec::token(8);
    c.kv = QuantSpec::group(4, 128);
    QCOMPARE(c.name(), std::string("W4A8KV4-g128"));
    c.weight = QuantSpec::channel(4, true);
    c.activation = QuantSpec::token(8, false);
    c.activation.zeroPoint = qs::ZeroPoint::GptqRangeIncludesZero;
    c.kv.zeroPoint = qs::ZeroPoint::GptqRangeIncludesZero;
    c.rules.push_back({false, TensorRole::Router});
    c.rules.push_back({true, TensorRole::LmHead});
    c.rules.push_back({false, std::nullopt, true, 0, 1});
    QCOMPARE(c.name(), std::string("W4A8KV4-wpc-kvg128-symW-asymA-gptqzero-excl.router-incl.lm_head-excl.kv.L0to1"));
    QVERIFY(QuantConfig::parse(c.name()) == c.normalized());
    // Shorthands normalise to the canonical name.
    QCOMPARE(QuantConfig::parse("W4").name(), std::string("W4A16KV16-g128"));
    QCOMPARE(QuantConfig::parse("W4-g128-asymW").name(), std::string("W4A16KV16-g128"));
    QCOMPARE(QuantConfig::parse("W16A16KV16").name(), std::string("FP16"));
    QCOMPARE(QuantConfig::parse("W4KV8-g64").name(), std::string("W4A16KV8-g64"));
    QCOMPARE(QuantConfig::parse("W4KV8-wg64-kvg64").name(), std::string("W4A16KV8-g64"));
    QCOMPARE(QuantConfig::parse("W8A8-excl.down_proj.L3to3").name(), std::string("W8A8KV16-g128-excl.down_proj.L3"));
  }

  // Every combination of a grid round-trips: config -> name -> config, and name -> config -> name.
  void gridRoundTrips() {
    const std::vector<QuantSpec> weights{QuantSpec::off(), QuantSpec::group(2, 64), QuantSpec::group(4, 128),
                                         QuantSpec::channel(3), QuantSpec::tensor(8), QuantSpec::group(8, 32, true)};
    const std::vector<QuantSpec> acts{QuantSpec::off(), QuantSpec::token(8), QuantSpec::token(4, false),
                                      QuantSpec::tensor(8), QuantSpec::group(6, 64)};
    const std::vector<QuantSpec> kvs{QuantSpec::off(), QuantSpec::group(4, 128), QuantSpec::group(2, 64),
                                     QuantSpec::channel(8, true), QuantSpec::tensor(3)};
    const std::vector<std::vector<qs::LayerRule>> ruleSets{
        {}, {{false, TensorRole::DownProj, false, 0, 3}}, {{true, TensorRole::LmHead}, {false, std::nullopt, false, 5, 5}}};
    const std::vector<std::string> methods{"rtn", "awq", "gptq", "quarot"};
    int count = 0;
    std::set<std::string> names;
    for (const auto& w : weights)
      for (const auto& a : acts)
        for (const auto& k : kvs)
          for (int zp = 0; zp < 3; ++zp)
            for (size_t r = 0; r < ruleSets.size(); ++r) {
              QuantConfig c;
              c.weight = w;
              c.activation = a;
              c.kv = k;
              c.rules = ruleSets[r];
              c.method = methods[(count / 7) % methods.size()];
              if (zp == 1) c.weight.zeroPoint = qs::ZeroPoint::GptqRangeIncludesZero;
              if (zp == 2)
                for (QuantSpec* s : {&c.weight, &c.activation, &c.kv}) s->zeroPoint = qs::ZeroPoint::GptqRangeIncludesZero;
              const std::string name = c.name();
              QuantConfig back;
              try {
                back = QuantConfig::parse(name);
              } catch (const qs::Error& e) {
                QFAIL(qPrintable(QString::fromStdString(name) + ": " + e.what()));
              }
              QVERIFY2(back == c.normalized(), name.c_str());
              QCOMPARE(back.name(), name);
              names.insert(name);
              ++count;
            }
    QVERIFY(count > 1000);
    // Distinct configurations (everything but all-off) get distinct names.
    QVERIFY(names.size() > 1000);
  }

  void formatNames() {
    using qs::NumberFormat;
    const std::vector<std::pair<std::string, std::string>> canonical{
        {"Wfp8e4m3", "Wfp8e4m3A16KV16-pc"},
        {"Wfp8e4m3Afp8e4m3", "Wfp8e4m3Afp8e4m3KV16-pc"},
        {"Wfp8e5m2-pt", "Wfp8e5m2A16KV16-pt"},
        {"Wnf4", "Wnf4A16KV16-g64"},
        {"Wnf4-g128", "Wnf4A16KV16-g128"},
        {"Wmxfp4", "Wmxfp4A16KV16"},
        {"Wmxfp4Amxfp4", "Wmxfp4Amxfp4KV16"},
        {"Wmxfp6e2m3", "Wmxfp6A16KV16"},
        {"Wmxfp6e3m2Amxint8", "Wmxfp6e3m2Amxint8KV16"},
        {"Wmxfp4KV4", "Wmxfp4A16KV4-g128"},
        {"Wmxfp4KV4-g64", "Wmxfp4A16KV4-g64"},
        {"W4Afp8e4m3KVfp8e4m3", "W4Afp8e4m3KVfp8e4m3-wg128-kvpc"},
        {"W4Afp8e4m3-apt", "W4Afp8e4m3KV16-g128-apt"},
        {"KVnf4", "W16A16KVnf4-g64"},
        {"W4Anf4-symW", "W4Anf4KV16-g128-symW"},
        {"Wnf4A8KV4-gptqzero", "Wnf4A8KV4-wg64-kvg128-gptqzero"},
    };
    for (const auto& [input, name] : canonical) {
      const QuantConfig c = QuantConfig::parse(input);
      QCOMPARE(c.name(), name);
      QCOMPARE(QuantConfig::parse(name).name(), name);
      QVERIFY(QuantConfig::parse(name) == c);
    }
    const QuantConfig fp8 = QuantConfig::parse("Wfp8e4m3Afp8e4m3KV16-pc");
    QCOMPARE(fp8.weight, QuantSpec::ofFormat(NumberFormat::Fp8E4M3, Granularity::PerChannel));
    QCOMPARE(fp8.activation, QuantSpec::ofFormat(NumberFormat::Fp8E4M3, Granularity::PerToken));
    QCOMPARE(fp8.weight.bits, 8);
    const QuantConfig nf4 = QuantConfig::parse("Wnf4");
    QCOMPARE(nf4.weight.granularity, Granularity::PerGroup);
    QCOMPARE(nf4.weight.groupSize, int64_t(64));
    QCOMPARE(nf4.weight.bits, 4);
    const QuantConfig mx = QuantConfig::parse("Wmxfp6");
    QCOMPARE(mx.weight.format, NumberFormat::MxFp6);
    QCOMPARE(mx.weight.groupSize, int64_t(32));
    QCOMPARE(mx.weight.bits, 6);
    // Integer names are unchanged by the format field.
    QCOMPARE(QuantConfig::parse("W4A8KV4").weight.format, NumberFormat::Int);
    QVERIFY(QuantConfig::parse("W8") != QuantConfig::parse("Wfp8e4m3-g128"));
    // Every format on every tensor type with every granularity token round-trips.
    int count = 0;
    std::set<std::string> names;
    for (const std::string w : {"16", "4", "fp8e4m3", "fp8e5m2", "nf4", "mxfp4", "mxfp6", "mxfp6e3m2", "mxint8"})
      for (const std::string a : {"16", "8", "fp8e4m3", "mxint8", "nf4"})
        for (const std::string k : {"16", "4", "fp8e5m2", "mxfp4", "nf4"})
          for (const std::string g : {"", "-pc", "-pt", "-g32", "-wg64-kvpc"}) {
            const std::string input = "W" + w + "A" + a + "KV" + k + g;
            QuantConfig c;
            try {
              c = QuantConfig::parse(input);
            } catch (const qs::Error&) {
              continue;  // e.g. a granularity token with nothing to apply it to
            }
            const std::string name = c.name();
            QVERIFY2(QuantConfig::parse(name) == c, name.c_str());
            QCOMPARE(QuantConfig::parse(name).name(), name);
            names.insert(name);
            ++count;
          }
    QVERIFY(count > 600);
    QVERIFY(names.size() > 400);
  }

  void precisionRules() {
    using qs::LayerRule;
    using qs::NumberFormat;
    QuantConfig c = QuantConfig::parse("W4");
    c.rules.push_back(LayerRule::precision(8, std::nullopt, 0, 0));
    c.rules.push_back(LayerRule::precision(8, std::nullopt, 30, 31));
    c.rules.push_back(LayerRule::precision(6, TensorRole::DownProj));
    c.rules.push_back(LayerRule::precision(4, TensorRole::QProj, 2, 5, NumberFormat::Nf4));
    c.rules.push_back({false, TensorRole::DownProj, false, 31, 31});
    QCOMPARE(c.name(), std::string("W4A16KV16-g128-w8.L0-w8.L30to31-w6.down_proj-wnf4.q_proj.L2to5-excl.down_proj.L31"));
    QVERIFY(QuantConfig::parse(c.name()) == c.normalized());
    QCOMPARE(QuantConfig::parse(c.name()).name(), c.name());
    // The last matching rule wins, for the spec as for the selection.
    QCOMPARE(*c.weightSpecFor(0, TensorRole::QProj), QuantSpec::group(8, 128));
    QCOMPARE(*c.weightSpecFor(1, TensorRole::QProj), QuantSpec::group(4, 128));
    QCOMPARE(*c.weightSpecFor(0, TensorRole::DownProj), QuantSpec::group(6, 128));
    QCOMPARE(*c.weightSpecFor(3, TensorRole::QProj), QuantSpec::ofFormat(NumberFormat::Nf4, Granularity::PerGroup, 128));
    QCOMPARE(*c.weightSpecFor(30, TensorRole::DownProj), QuantSpec::group(6, 128));
    QVERIFY(!c.weightSpecFor(31, TensorRole::DownProj));
    QVERIFY(!c.selectsLinear(31, TensorRole::DownProj));
    QCOMPARE(*c.weightSpecFor(31, TensorRole::UpProj), QuantSpec::group(8, 128));
    QVERIFY(!c.weightSpecFor(-1, TensorRole::LmHead));  // the head stays out unless a rule names it
    const QuantConfig head = QuantConfig::parse("W4-w8.lm_head");
    QVERIFY(head.selectsLinear(-1, TensorRole::LmHead));
    QCOMPARE(*head.weightSpecFor(-1, TensorRole::LmHead), QuantSpec::group(8, 128));
    // Precision rules never touch the KV cache; "all" is the default target.
    QVERIFY(QuantConfig::parse("W4KV4-excl.all.L0-w8.L0").selectsKv(0) == false);
    QCOMPARE(QuantConfig::parse("W4-w8.all.L0").name(), std::string("W4A16KV16-g128-w8.L0"));
    // The rule keeps the W spec's grouping and symmetry for integers; formats normalise their own.
    QCOMPARE(*QuantConfig::parse("W4-g64-symW-w8.L1").weightSpecFor(1, TensorRole::VProj), QuantSpec::group(8, 64, true));
    QCOMPARE(*QuantConfig::parse("Wnf4-w8.L1").weightSpecFor(1, TensorRole::VProj), QuantSpec::group(8, 64, false));
    QCOMPARE(*QuantConfig::parse("W4-wmxfp4.L1").weightSpecFor(1, TensorRole::VProj), QuantSpec::ofFormat(NumberFormat::MxFp4));
    // Granularity tokens and rules stay apart: "wg64" / "wpc" are granularities, "w8.L0" a rule.
    QCOMPARE(QuantConfig::parse("W4KV4-wg64-kvpc-w8.L0").name(), std::string("W4A16KV4-wg64-kvpc-w8.L0"));
    // JSON carries them.
    const nlohmann::json j = c;
    QVERIFY(qs::quantConfigFromJson(nlohmann::json::parse(j.dump())) == c.normalized());
    QCOMPARE(j.at("rules").at(3).at("action").get<std::string>(), std::string("weight"));
    QCOMPARE(j.at("rules").at(3).at("format").get<std::string>(), std::string("nf4"));
  }

  void bitsPerWeight() {
    using qs::NumberFormat;
    QCOMPARE(qs::bitsPerWeight(QuantSpec::group(4, 128), 4096, 4096), 4.25);          // fp16 scale + zero
    QCOMPARE(qs::bitsPerWeight(QuantSpec::group(4, 128, true), 4096, 4096), 4.125);   // fp16 scale
    QCOMPARE(qs::bitsPerWeight(QuantSpec::ofFormat(NumberFormat::MxFp4), 4096, 4096), 4.25);
    QCOMPARE(qs::bitsPerWeight(QuantSpec::ofFormat(NumberFormat::MxFp6), 4096, 4096), 6.25);
    QCOMPARE(qs::bitsPerWeight(QuantSpec::ofFormat(NumberFormat::MxInt8), 4096, 4096), 8.25);
    QCOMPARE(qs::bitsPerWeight(QuantSpec::ofFormat(NumberFormat::Nf4, Granularity::PerGroup, 64), 4096, 4096), 4.5);
    QCOMPARE(qs::bitsPerWeight(QuantSpec::ofFormat(NumberFormat::Fp8E4M3, Granularity::PerChannel), 4096, 4096),
             8 + 32.0 / 4096);
    QCOMPARE(qs::bitsPerWeight(QuantSpec::ofFormat(NumberFormat::Fp8E4M3, Granularity::PerTensor), 64, 64), 8 + 32.0 / 4096);
    QCOMPARE(qs::bitsPerWeight(QuantSpec::off(), 64, 64), 16.0);
    // Mixed precision: the parameter-weighted average over the linears, unquantized ones at 16.
    const std::vector<qs::LinearShape> linears{{0, TensorRole::QProj, 256, 256},
                                               {0, TensorRole::DownProj, 256, 1024},
                                               {1, TensorRole::QProj, 256, 256},
                                               {1, TensorRole::DownProj, 256, 1024},
                                               {-1, TensorRole::LmHead, 1000, 256}};
    const double n0 = 256.0 * 256, n1 = 256.0 * 1024, head = 1000.0 * 256;
    const double mixed = qs::bitsPerWeight(QuantConfig::parse("W4-w8.L0"), linears);
    QCOMPARE(mixed, ((n0 + n1) * 8.25 + (n0 + n1) * 4.25 + head * 16) / (2 * (n0 + n1) + head));
    const double downAt3 = qs::bitsPerWeight(QuantConfig::parse("W4-w3.down_proj-excl.q_proj.L1"), linears);
    QCOMPARE(downAt3, (n0 * 4.25 + 2 * n1 * 3.25 + n0 * 16 + head * 16) / (2 * (n0 + n1) + head));
    QCOMPARE(qs::bitsPerWeight(QuantConfig::parse("FP16"), linears), 16.0);
  }

  void malformedNamesSayWhatIsWrong() {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", "empty name"},
        {"W9", "weight bits must be 2..8 or 16, got 9"},
        {"W4A1", "activation bits must be 2..8 or 16, got 1"},
        {"A8W4", "unexpected 'W4'"},
        {"W4X8", "unexpected 'X8'"},
        {"Wx", "'W' must be followed by the weight bit width"},
        {"W4-g12x", "group size in 'g12x' must be a positive integer"},
        {"W4-g0", "group size in 'g0'"},
        {"W4-foo", "unknown part 'foo'"},
        {"W4--g128", "empty part"},
        {"W4-", "empty part"},
        {"W4-symA", "'symA' applies to activations, which are not quantized"},
        {"W4-kvg64", "'kvg64' applies to the KV cache, which are not quantized"},
        {"A8-g128", "neither weights nor KV cache are quantized"},
        {"W4-symW-gptqzeroW", "'gptqzeroW': weights are symmetric"},
        {"W4-symW-gptqzero", "no quantized tensor type is asymmetric"},
        {"W4-g64-g128", "conflicts with an earlier one"},
        {"W4-symW-symW", "'symW' is given twice"},
        {"W4-symW-asymW", "both 'symW' and 'asymW'"},
        {"W4-awq-gptq", "method 'gptq' given after method 'awq'"},
        {"W4-excl.attn_norm", "'attn_norm' is not a linear layer role"},
        {"W4-excl.q_proj.3", "layer range must read L<first>"},
        {"W4-excl.q_proj.L5to2", "first <= last"},
        {"W4-excl.q_proj.", "ends with '.'"},
        {"W4A8-apc", "activations are quantized per token"},
        {"FP16-g128", "FP16 (nothing quantized) takes no further parts"},
        {"W16A16KV16-awq", "nothing is quantized"},
        {"Wfp4", "bit width or a format name (fp8e4m3, fp8e5m2, nf4, mxfp4, mxfp6, mxfp6e3m2, mxint8), got 'fp4'"},
        {"Wint", "got 'int'"},
        {"Wmxfp4-g64", "neither weights nor KV cache are quantized with a format that takes one"},
        {"Wmxfp4KV4-wg64", "'wg64': weights are mxfp4, which has fixed 32-element blocks"},
        {"W4Amxfp4-apt", "'apt': activations are mxfp4"},
        {"Wfp8e4m3-symW", "'symW': weights are fp8e4m3, sign-magnitude with no zero point"},
        {"Wnf4-gptqzeroW", "'gptqzeroW': weights are symmetric"},
        {"Wnf4-gptq", "method gptq quantizes integer weights"},
        {"W4-w8", "precision rule 'w8' needs a role or a layer range"},
        {"W4-w8.all", "needs a role or a layer range"},
        {"W4-w16.L0", "bits must be 2..8 (an excl rule keeps weights at 16 bits)"},
        {"W4-w9.L0", "bits must be 2..8"},
        {"W4-w8.kv.L0", "'kv' is not a linear layer role"},
        {"W4-w8.L3to1", "first <= last"},
        {"W4-w8.q_proj.", "ends with '.'"},
        {"W4-w8.q_proj.3", "layer range must read L<first>"},
        {"KV4-w8.L0", "needs quantized weights"},
        {"W4-gptq-w8.L0", "method gptq quantizes every weight with one spec"},
        {"W4-awq-wnf4.L0", "method awq quantizes every weight with one spec"},
    };
    for (const auto& [name, fragment] : cases) {
      try {
        QuantConfig::parse(name);
        QFAIL(qPrintable(QString::fromStdString("'" + name + "' parsed but should not")));
      } catch (const qs::Error& e) {
        const std::string msg = e.what();
        QVERIFY2(msg.find("'" + name + "'") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find(fragment) != std::string::npos, (msg + "  [expected: " + fragment + "]").c_str());
      }
    }
  }

  void layerSelection() {
    QuantConfig c = QuantConfig::parse("W4A8KV4-excl.router-excl.all.L0-incl.q_proj.L0-excl.kv.L2to3");
    QVERIFY(c.selectsLinear(1, TensorRole::QProj));
    QVERIFY(!c.selectsLinear(-1, TensorRole::LmHead));  // head excluded by default
    QVERIFY(!c.selectsLinear(4, TensorRole::Router));
    QVERIFY(!c.selectsLinear(0, TensorRole::DownProj));
    QVERIFY(c.selectsLinear(0, TensorRole::QProj));  // the later rule wins
    QVERIFY(!c.selectsKv(0));                        // excl.all.L0 covers the cache too
    QVERIFY(c.selectsKv(1));
    QVERIFY(!c.selectsKv(2) && !c.selectsKv(3) && c.selectsKv(4));
    QVERIFY(QuantConfig::parse("W4-incl.lm_head").selectsLinear(-1, TensorRole::LmHead));
  }

  // The rotation method is a method token like the others: parsed, printed, validated, listed in errors.
  void quarotIsAMethod() {
    const QuantConfig c = QuantConfig::parse("W4A4KV4-g128-quarot");
    QCOMPARE(c.method, std::string("quarot"));
    QCOMPARE(c.name(), std::string("W4A4KV4-g128-quarot"));
    QCOMPARE(QuantConfig::parse("W4A4-quarot").name(), std::string("W4A4KV16-g128-quarot"));
    QVERIFY(std::ranges::find(QuantConfig::knownMethods(), "quarot") != QuantConfig::knownMethods().end());
    QuantConfig unknown = c;
    unknown.method = "spinquant";
    try {
      unknown.validate();
      QFAIL("an unknown method was accepted");
    } catch (const qs::Error& e) {
      QVERIFY2(std::string(e.what()).find("quarot") != std::string::npos, e.what());
    }
    try {
      QuantConfig::parse("W4A4-spinquant");
      QFAIL("an unknown method token was accepted");
    } catch (const qs::Error& e) {
      QVERIFY2(std::string(e.what()).find("quarot") != std::string::npos, e.what());
    }
    QuantConfig::parse("W4A4-g128-quarot-w8.L0").validate();  // precision rules: quarot quantizes per linear
  }

  void jsonRoundTrip() {
    for (const std::string name : {"FP16", "W4A8KV4-g128", "W4A8KV4-wpc-kvg128-symW-asymA-gptqzero-excl.router-incl.lm_head-excl.kv.L0to1",
                                   "W3A16KV16-pt-awq", "W8A8KV16-g128-apt-gptqzeroA-asymA",
                                   "Wfp8e4m3Afp8e4m3KV16-pc", "Wnf4A16KV16-g64", "Wmxfp4Amxint8KVmxfp6e3m2"}) {
      const QuantConfig c = QuantConfig::parse(name);
      const nlohmann::json j = c;
      QCOMPARE(j.at("name").get<std::string>(), c.name());
      const QuantConfig back = qs::quantConfigFromJson(nlohmann::json::parse(j.dump()));
      QVERIFY(back == c);
    }
    // Integer specs carry no "format" key, so JSON stored before the formats existed reads the same.
    QVERIFY(!nlohmann::json(QuantConfig::parse("W4")).at("weight").contains("format"));
    QCOMPARE(nlohmann::json(QuantConfig::parse("Wnf4")).at("weight").at("format").get<std::string>(), std::string("nf4"));
    nlohmann::json j = QuantConfig::parse("W4");
    j["weight"]["bits"] = 3;
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::quantConfigFromJson(j));  // the stored name no longer matches
    j = QuantConfig::parse("W4");
    j["weight"].erase("granularity");
    try {
      qs::quantConfigFromJson(j);
      QFAIL("missing granularity must throw");
    } catch (const qs::Error& e) {
      QVERIFY2(std::string(e.what()).find("granularity") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestQuantConfig)
#include "test_quant_config.moc"
