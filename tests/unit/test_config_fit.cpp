// Which configurations fit a model's shapes, decided from config.json before a sweep starts.
#include <QtTest/QtTest>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/model/model_config.h"
#include "quant/config_fit.h"
#include "tests/support/test_support.h"

namespace {

// stories260K's shape: hidden 64, MLP 172, 8 heads of 8, 5 layers.
qs::ModelConfig storiesShape() {
  return qs::ModelConfig::fromJson({{"model_type", "llama"}, {"hidden_size", 64}, {"num_hidden_layers", 5},
                                    {"num_attention_heads", 8}, {"num_key_value_heads", 4},
                                    {"intermediate_size", 172}, {"vocab_size", 512},
                                    {"max_position_embeddings", 512}},
                                   "test stories shape");
}

bool has(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l == text; });
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace

class TestConfigFit : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void groupThatDividesNothing() {
    const auto p = qs::configFitProblems(storiesShape(), qs::QuantConfig::parse("W4"));
    QVERIFY2(has(p, "down_proj weights (5 tensors): group 128 does not divide their input dimension 172"),
             joined(p).c_str());
    QVERIFY2(has(p, "q_proj weights (5 tensors): group 128 does not divide their input dimension 64"), joined(p).c_str());
    // The output head is not quantized by default: it is not a problem.
    QVERIFY(std::none_of(p.begin(), p.end(), [](const std::string& l) { return l.find("lm_head") != std::string::npos; }));
    QCOMPARE(int(p.size()), 7);  // q, k, v, o, gate, up, down
  }

  void fittingConfigurations() {
    for (const char* name : {"W4-g4", "W4A8KV4-g4", "KV4", "W8A8-pc", "FP16", "W4-g4-quarot"})
      QVERIFY2(qs::configFitProblems(storiesShape(), qs::QuantConfig::parse(name)).empty(), name);
  }

  void microscalingBlocksAndKvGroups() {
    const auto mx = qs::configFitProblems(storiesShape(), qs::QuantConfig::parse("Wmxfp4"));
    QVERIFY2(has(mx, "down_proj weights (5 tensors): the MX block of 32 does not divide their input dimension 172"),
             joined(mx).c_str());
    QCOMPARE(int(mx.size()), 1);
    const auto kv = qs::configFitProblems(storiesShape(), qs::QuantConfig::parse("KV4-g3"));
    QVERIFY2(has(kv, "keys and values: group 3 does not divide the head dimension 8"), joined(kv).c_str());
  }

  void familyLimits() {
    const auto mamba = qs::ModelConfig::load(qs::test::goldenDir() / "mamba" / "config.json");
    QVERIFY(has(qs::configFitProblems(mamba, qs::QuantConfig::parse("KV4")), "the KV cache: mamba has none"));
    const auto opt = qs::ModelConfig::load(qs::test::goldenDir() / "opt" / "config.json");
    const auto p = qs::configFitProblems(opt, qs::QuantConfig::parse("W4A4-g16-quarot"));
    QVERIFY2(has(p, "quarot needs RMSNorm: opt uses LayerNorm"), joined(p).c_str());
  }
};

QTEST_GUILESS_MAIN(TestConfigFit)
#include "test_config_fit.moc"
