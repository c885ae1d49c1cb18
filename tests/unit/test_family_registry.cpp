// The family registry and the config readers: model_type aliases, clear refusals that name the
// file and the key, and every family's config writer read back by its reader.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/model/blocks.h"
#include "core/model/family.h"
#include "core/model/model_config.h"
#include "core/model/tensor_layout.h"
#include "tests/support/test_support.h"

namespace {

QString errorOf(const nlohmann::json& j) {
  try {
    qs::ModelConfig::fromJson(j, "dir/config.json");
  } catch (const qs::Error& e) {
    return e.what();
  }
  return {};
}

nlohmann::json goldenConfig(const char* family) {
  return nlohmann::json::parse(qs::test::readFile(qs::test::goldenDir() / family / "config.json"));
}

}  // namespace

class TestFamilyRegistry : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void aliases() {
    QCOMPARE(qs::familyFromModelType("RefinedWeb")->name, std::string_view("falcon"));
    QCOMPARE(qs::familyFromModelType("RefinedWebModel")->name, std::string_view("falcon"));
    QCOMPARE(qs::familyFromModelType("falcon")->name, std::string_view("falcon"));
    QVERIFY(qs::familyFromModelType("t5") == nullptr);
    QCOMPARE(qs::familyByName("gpt2").name, std::string_view("gpt2"));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::familyByName("nope"));
    std::set<std::string_view> names;
    for (const auto* f : qs::allFamilies()) QVERIFY2(names.insert(f->name).second, f->name.data());
    QVERIFY(names.size() >= 9);
  }

  void unknownArchitectureNamesFileAndSupported() {
    const QString e = errorOf({{"model_type", "t5"}, {"vocab_size", 10}});
    QVERIFY2(e.contains("dir/config.json") && e.contains("\"t5\"") && e.contains("bloom") && e.contains("RefinedWeb"),
             qPrintable(e));
  }

  // A family reads its own keys: Bloom has no num_attention_heads or max_position_embeddings.
  void familySpecificKeys() {
    auto bloom = qs::ModelConfig::fromJson(goldenConfig("bloom"), "bloom");
    QCOMPARE(bloom.attention.numHeads, 4);
    QCOMPARE(bloom.maxPositions, 0);
    QVERIFY(bloom.contextLimit() > 1000000);
    auto oldFalcon = goldenConfig("falcon_newdec");
    oldFalcon.erase("num_attention_heads");
    oldFalcon.erase("num_hidden_layers");
    oldFalcon.erase("new_decoder_architecture");
    oldFalcon.erase("num_kv_heads");
    oldFalcon["model_type"] = "RefinedWeb";
    oldFalcon["n_head"] = 4;
    oldFalcon["n_layer"] = 2;
    oldFalcon["n_head_kv"] = 2;
    auto f = qs::ModelConfig::fromJson(oldFalcon, "falcon-40b-style");
    QCOMPARE(f.attention.qkvLayout, qs::QkvLayout::PerKvGroup);
    QCOMPARE(f.attention.numKvHeads, 2);
    QVERIFY(f.layout.parallelTwoNorms);
    auto stablelm = qs::ModelConfig::fromJson(goldenConfig("stablelm"), "stablelm");
    QCOMPARE(stablelm.attention.rotaryDim, 4);
  }

  void refusals_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");  // JSON
    QTest::addColumn<QString>("message");
    QTest::newRow("eps <= 0") << "llama" << "rms_norm_eps" << "0" << "\"rms_norm_eps\" must be positive";
    QTest::newRow("rope_theta <= 0") << "mistral" << "rope_theta" << "-1" << "\"rope_theta\" must be positive";
    QTest::newRow("layer_norm_epsilon") << "bloom" << "layer_norm_epsilon" << "0" << "\"layer_norm_epsilon\" must be positive";
    QTest::newRow("heads vs kv") << "qwen2" << "num_key_value_heads" << "3" << "not a multiple";
    QTest::newRow("unknown act") << "gpt2" << "activation_function" << "\"swiglu9\"" << "\"swiglu9\" is not supported";
    QTest::newRow("missing n_head") << "gpt2" << "n_head" << "null" << "\"n_head\"";
    QTest::newRow("partial rotary") << "stablelm" << "partial_rotary_factor" << "1.5" << "partial_rotary_factor";
    QTest::newRow("negative window") << "mistral" << "sliding_window" << "-2" << "sliding_window";
    QTest::newRow("unknown torch_dtype") << "llama" << "torch_dtype" << "\"float12\"" << "\"float12\" is not a dtype";
    QTest::newRow("bos outside vocab") << "llama" << "bos_token_id" << "512" << "\"bos_token_id\" 512 is outside the vocabulary";
    QTest::newRow("eos list outside vocab") << "qwen2" << "eos_token_id" << "[900, 2]" << "\"eos_token_id\" 900";
    QTest::newRow("top-k > experts") << "mixtral" << "num_experts_per_tok" << "5" << "experts per token 5";
    QTest::newRow("no experts") << "mixtral" << "num_local_experts" << "0" << "\"num_local_experts\" must be positive";
    QTest::newRow("chatglm groups") << "chatglm3" << "multi_query_group_num" << "3" << "not a multiple";
    QTest::newRow("mamba state") << "mamba" << "state_size" << "null" << "\"state_size\"";
  }
  void refusals() {
    QFETCH(QString, family);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, message);
    auto j = goldenConfig(family.toUtf8().constData());
    j[key.toStdString()] = nlohmann::json::parse(value.toStdString());
    const QString e = errorOf(j);
    QVERIFY2(e.startsWith("dir/config.json: ") && e.contains(message), qPrintable(e));
  }

  // What writeConfig writes, readConfig reads back to the same sections and tensor layout.
  void writerRoundTrips_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : {"llama", "opt", "mistral", "qwen2", "gemma", "stablelm", "falcon", "falcon_newdec", "bloom", "gpt2",
                          "mixtral", "chatglm3", "mamba"})
      QTest::newRow(f) << f;
  }
  void writerRoundTrips() {
    QFETCH(QString, family);
    auto c = qs::ModelConfig::fromJson(goldenConfig(family.toUtf8().constData()), "golden");
    auto back = qs::ModelConfig::fromJson(nlohmann::json::parse(qs::toHfConfigJson(c)), "written");
    QCOMPARE(back.family, c.family);
    QCOMPARE(back.attention.numKvHeads, c.attention.numKvHeads);
    QCOMPARE(back.attention.qkvLayout, c.attention.qkvLayout);
    QCOMPARE(back.attention.slidingWindow, c.attention.slidingWindow);
    QCOMPARE(back.layout.residual, c.layout.residual);
    QCOMPARE(back.mlp.activation, c.mlp.activation);
    QCOMPARE(back.moe.numExperts, c.moe.numExperts);
    QCOMPARE(back.moe.topK, c.moe.topK);
    QCOMPARE(back.ssm.stateSize, c.ssm.stateSize);
    QCOMPARE(back.attention.rotaryInterleaved, c.attention.rotaryInterleaved);
    auto a = qs::tensorLayout(c), b = qs::tensorLayout(back);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      QCOMPARE(a[i].name, b[i].name);
      QCOMPARE(a[i].shape, b[i].shape);
    }
  }

  // Bloom's build_alibi_tensor: 2^-1 .. 2^-8 for 8 heads; 12 heads add 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5.
  void alibiSlopes() {
    auto s8 = qs::blocks::alibiSlopes(8);
    for (int h = 0; h < 8; ++h) QCOMPARE(s8[h].item<float>(), std::pow(2.0f, -(h + 1.0f)));
    auto s12 = qs::blocks::alibiSlopes(12);
    QCOMPARE(s12.size(0), int64_t{12});
    for (int i = 0; i < 4; ++i) QVERIFY(std::abs(s12[8 + i].item<float>() - std::pow(2.0f, -0.5f - i)) < 1e-7);
  }

  void slidingWindowMask() {
    auto mask = at::ones({1, 6}, at::kLong);
    auto bias = qs::blocks::causalBias(mask, 6, at::kFloat, 2);  // [1, 1, 6, 6]
    auto visible = (bias[0][0] == 0).to(at::kInt);
    // Query 5 sees keys 3, 4, 5 (W + 1 = 3 keys); query 1 sees 0 and 1.
    QCOMPARE(visible[5].sum().item<int>(), 3);
    QCOMPARE(visible[5][2].item<int>(), 0);
    QCOMPARE(visible[1].sum().item<int>(), 2);
  }
};

QTEST_GUILESS_MAIN(TestFamilyRegistry)
#include "test_family_registry.moc"
