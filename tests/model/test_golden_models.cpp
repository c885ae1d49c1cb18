// Logits, hidden states and KV-cached greedy decoding against Hugging Face transformers' outputs
// for a tiny model of every attention family (tests/data/golden, computed by transformers 4.40;
// copied from ../shared/golden).
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/model/family.h"
#include "core/model/model.h"
#include "core/base/runtime.h"
#include "core/checkpoint/safetensors.h"
#include "tests/support/golden_data.h"
#include "tests/support/test_support.h"

namespace {

constexpr double kTolerance = 1e-4;

using qs::golden::readJson;

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

class TestGoldenModels : public QObject {
  Q_OBJECT

  std::filesystem::path goldenDir(const char* family) {
    auto dir = qs::test::goldenDir() / family;
    if (!std::filesystem::exists(dir / "model.safetensors")) return {};
    return dir;
  }

  // A copy of a golden folder whose config.json is edited by `edit` (the weights are linked).
  std::filesystem::path editedCopy(const char* family, const std::string& name,
                                   const std::function<void(nlohmann::json&)>& edit) {
    auto src = goldenDir(family);
    auto dir = qs::test::freshTempDir(name);
    auto config = readJson(src / "config.json");
    edit(config);
    std::ofstream(dir / "config.json") << config.dump(2);
    std::filesystem::create_symlink(std::filesystem::absolute(src / "model.safetensors"), dir / "model.safetensors");
    return dir;
  }

 private Q_SLOTS:
  void initTestCase() { qs::configureThreads(); }

  void logitsAndHiddenStates_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : {"llama", "opt", "mistral", "qwen2", "gemma", "stablelm", "falcon", "falcon_newdec", "bloom",
                          "gpt2", "mixtral", "chatglm3", "mamba"})
      QTest::newRow(f) << f;
  }
  void logitsAndHiddenStates() {
    QFETCH(QString, family);
    auto dir = goldenDir(family.toUtf8().constData());
    QVERIFY2(!dir.empty(), "tests/data/golden is incomplete");
    auto model = qs::Model::load(dir);
    QCOMPARE(QString::fromUtf8(std::string(qs::familyName(model->family())).c_str()),
             family.startsWith("falcon") ? QString("falcon") : family == "chatglm3" ? QString("chatglm") : family);
    std::vector<at::Tensor> hidden;
    auto logits = model->forward(qs::golden::inputIds(dir), {}, nullptr, &hidden);
    auto expected = qs::golden::tensor(dir / "logits.safetensors", "logits");
    QCOMPARE(logits.sizes().vec(), expected.sizes().vec());
    const double d = maxDiff(logits, expected);
    qInfo("%s logits max |diff| = %.3g", family.toUtf8().constData(), d);
    QVERIFY2(d < kTolerance, qPrintable(QString("logits differ by %1").arg(d)));
    QCOMPARE(static_cast<int>(hidden.size()), model->config().numLayers + 1);
    // Hugging Face's Mamba reports no embedding output: its hidden_states[0] is after layer 0.
    const int offset = family == "mamba" ? 1 : 0;
    for (int i = 0; i < 2; ++i) {
      auto h = qs::golden::tensor(dir / "hidden_states.safetensors", "hidden_states_" + std::to_string(i));
      const double dh = maxDiff(hidden[i + offset], h);
      QVERIFY2(dh < kTolerance, qPrintable(QString("hidden_states_%1 differ by %2").arg(i).arg(dh)));
    }
  }

  void kvCachedGreedy_data() { logitsAndHiddenStates_data(); }
  void kvCachedGreedy() {
    QFETCH(QString, family);
    auto dir = goldenDir(family.toUtf8().constData());
    QVERIFY2(!dir.empty(), "tests/data/golden is incomplete");
    auto model = qs::Model::load(dir);
    auto greedy = readJson(dir / "greedy.json");
    std::vector<int64_t> prompt = greedy["prompt_ids"].get<std::vector<int64_t>>();
    std::vector<int64_t> expectedTokens = greedy["new_tokens"].get<std::vector<int64_t>>();
    auto expectedLogits = qs::golden::tensor(dir / "greedy_logits.safetensors", "logits");  // [1, 24, V]

    // Feed the reference tokens one step at a time through the cache, so each step's logits are
    // compared against the reference row even where a near-tie could flip our argmax.
    auto cache = model->makeState();
    auto logits = model->forward(at::tensor(prompt, at::kLong).unsqueeze(0), {}, cache.get());
    const int64_t P = static_cast<int64_t>(prompt.size());
    QVERIFY(maxDiff(logits[0], expectedLogits[0].narrow(0, 0, P)) < kTolerance);
    for (size_t i = 0; i < expectedTokens.size(); ++i) {
      QCOMPARE(logits[0][-1].argmax().item<int64_t>(), expectedTokens[i]);
      if (i + 1 == expectedTokens.size()) break;
      logits = model->forward(at::full({1, 1}, expectedTokens[i], at::kLong), {}, cache.get());
      const double d = maxDiff(logits[0][0], expectedLogits[0][P + static_cast<int64_t>(i)]);
      QVERIFY2(d < kTolerance, qPrintable(QString("step %1 differs by %2").arg(i).arg(d)));
    }
    QCOMPARE(cache->length(), P + static_cast<int64_t>(expectedTokens.size()) - 1);
  }

  // Padding on either side must not change the logits of the real tokens.
  void paddingLeftAndRight_data() { logitsAndHiddenStates_data(); }
  void paddingLeftAndRight() {
    QFETCH(QString, family);
    auto dir = goldenDir(family.toUtf8().constData());
    QVERIFY2(!dir.empty(), "tests/data/golden is incomplete");
    auto model = qs::Model::load(dir);
    auto ids = qs::golden::inputIds(dir);
    auto expected = qs::golden::tensor(dir / "logits.safetensors", "logits");
    const int64_t S = ids.size(1), pad = 5, n = S - pad;
    // Row 0: the first n tokens right-padded; row 1: the first n tokens of sequence 1 left-padded.
    auto batch = at::zeros({2, S}, at::kLong);
    auto mask = at::zeros({2, S}, at::kLong);
    batch[0].narrow(0, 0, n).copy_(ids[0].narrow(0, 0, n));
    mask[0].narrow(0, 0, n).fill_(1);
    batch[1].narrow(0, pad, n).copy_(ids[1].narrow(0, 0, n));
    mask[1].narrow(0, pad, n).fill_(1);
    auto logits = model->forward(batch, mask);
    // Causal attention: the unpadded reference's first n positions see exactly these tokens.
    QVERIFY(maxDiff(logits[0].narrow(0, 0, n), expected[0].narrow(0, 0, n)) < kTolerance);
    QVERIFY(maxDiff(logits[1].narrow(0, pad, n), expected[1].narrow(0, 0, n)) < kTolerance);
    QVERIFY(!logits.isnan().any().item<bool>());
  }

  // Batched, left-padded incremental decoding matches the unpadded single-sequence steps.
  void leftPaddedCachedDecoding_data() { logitsAndHiddenStates_data(); }
  void leftPaddedCachedDecoding() {
    QFETCH(QString, family);
    auto dir = goldenDir(family.toUtf8().constData());
    QVERIFY2(!dir.empty(), "tests/data/golden is incomplete");
    auto model = qs::Model::load(dir);
    auto expected = qs::golden::tensor(dir / "logits.safetensors", "logits");
    auto ids = qs::golden::inputIds(dir);
    // Row 1 is 3 tokens shorter and left-padded; both rows then decode their next reference token.
    const int64_t P = 10, pad = 3;
    auto batch = at::zeros({2, P}, at::kLong);
    auto mask = at::ones({2, P}, at::kLong);
    batch[0].copy_(ids[0].narrow(0, 0, P));
    batch[1].narrow(0, pad, P - pad).copy_(ids[1].narrow(0, 0, P - pad));
    mask[1].narrow(0, 0, pad).fill_(0);
    auto cache = model->makeState();
    model->forward(batch, mask, cache.get());
    auto next = at::stack({ids[0][P], ids[1][P - pad]}).view({2, 1});
    auto logits = model->forward(next, at::ones({2, 1}, at::kLong), cache.get());
    QVERIFY(maxDiff(logits[0][0], expected[0][P]) < kTolerance);
    QVERIFY(maxDiff(logits[1][0], expected[1][P - pad]) < kTolerance);
  }

  // Mistral's window: query i sees keys i-W .. i (W+1 keys, transformers 4.40). The reference run
  // with sliding_window 7 (= the newer transformers' W keys at W = 8) must match our W = 7 too, and
  // differ from W = 8: the window rule, not just "some window", is checked.
  void mistralSlidingWindowRule() {
    auto dir = goldenDir("mistral");
    QVERIFY2(!dir.empty(), "tests/data/golden is incomplete");
    auto ids = qs::golden::inputIds(dir);
    auto wKeys = qs::golden::tensor(dir / "logits_window_W_keys.safetensors", "logits");
    auto window7 = qs::Model::load(editedCopy("mistral", "mistral-window-7", [](auto& c) { c["sliding_window"] = 7; }));
    QCOMPARE(window7->config().attention.slidingWindow, 7);
    QVERIFY(maxDiff(window7->forward(ids), wKeys) < kTolerance);
    auto window8 = qs::Model::load(dir);
    QVERIFY(maxDiff(window8->forward(ids), wKeys) > 0.1);
    auto noWindow = qs::Model::load(editedCopy("mistral", "mistral-no-window", [](auto& c) { c["sliding_window"] = nullptr; }));
    QCOMPARE(noWindow->config().attention.slidingWindow, 0);  // null: no window, as transformers reads it
    QVERIFY(maxDiff(noWindow->forward(ids), qs::golden::tensor(dir / "logits.safetensors", "logits")) > 0.1);
  }

  // Layout switches the golden models do not exercise (no reference output for them): each loads,
  // changes the logits, stays finite and keeps padding out of the real tokens' logits.
  void variantsWithoutGoldenData_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::newRow("falcon alibi") << "falcon" << "alibi" << "true";
    QTest::newRow("stablelm parallel residual") << "stablelm" << "use_parallel_residual" << "true";
    QTest::newRow("gpt2 inverse layer scaling") << "gpt2" << "scale_attn_by_inverse_layer_idx" << "true";
    QTest::newRow("bloom residual from norm") << "bloom" << "apply_residual_connection_post_layernorm" << "true";
    QTest::newRow("opt post-norm") << "opt" << "do_layer_norm_before" << "false";
  }
  void variantsWithoutGoldenData() {
    QFETCH(QString, family);
    QFETCH(QString, key);
    QFETCH(QString, value);
    const std::string f = family.toStdString();
    auto dir = editedCopy(f.c_str(), "variant-" + f + "-" + key.toStdString(),
                          [&](auto& c) { c[key.toStdString()] = nlohmann::json::parse(value.toStdString()); });
    auto model = qs::Model::load(dir);
    auto ids = qs::golden::inputIds(goldenDir(f.c_str()));
    auto logits = model->forward(ids);
    QVERIFY(logits.isfinite().all().item<bool>());
    QVERIFY(maxDiff(logits, qs::golden::tensor(goldenDir(f.c_str()) / "logits.safetensors", "logits")) > 1e-3);
    const int64_t S = ids.size(1), pad = 4, n = S - pad;
    auto batch = at::zeros({2, S}, at::kLong);
    auto mask = at::zeros({2, S}, at::kLong);
    batch[0].narrow(0, pad, n).copy_(ids[0].narrow(0, 0, n));
    mask[0].narrow(0, pad, n).fill_(1);
    batch[1].narrow(0, 0, n).copy_(ids[1].narrow(0, 0, n));
    mask[1].narrow(0, 0, n).fill_(1);
    auto padded = model->forward(batch, mask);
    QVERIFY(maxDiff(padded[0].narrow(0, pad, n), logits[0].narrow(0, 0, n)) < kTolerance);
    QVERIFY(maxDiff(padded[1].narrow(0, 0, n), logits[1].narrow(0, 0, n)) < kTolerance);
  }

  // OPT-350m's layout (word_embed_proj_dim != hidden_size): embeddings of 80 dimensions whose first
  // 64 are the golden OPT's, project_in = [I | 0] and project_out = [I ; 0]. Through the tied head
  // the logits are exactly the golden model's, so the projections' order and shapes are checked.
  void optProjectInOut() {
    auto src = goldenDir("opt");
    QVERIFY2(!src.empty(), "tests/data/golden is incomplete");
    const int64_t C = 64, P = 80;
    auto dir = qs::test::freshTempDir("opt-project-in-out");
    auto config = readJson(src / "config.json");
    config["word_embed_proj_dim"] = P;
    std::ofstream(dir / "config.json") << config.dump(2);
    auto file = qs::SafetensorsFile::open(src / "model.safetensors");
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto& e : file->entries()) {
      auto t = file->tensor(e.name).clone();
      if (e.name == "model.decoder.embed_tokens.weight")
        t = at::cat({t, at::randn({t.size(0), P - C}, at::TensorOptions().dtype(at::kFloat))}, 1);
      tensors.emplace_back(e.name, t);
    }
    tensors.emplace_back("model.decoder.project_in.weight", at::cat({at::eye(C), at::zeros({C, P - C})}, 1));
    tensors.emplace_back("model.decoder.project_out.weight", at::cat({at::eye(C), at::zeros({P - C, C})}, 0));
    qs::writeSafetensors(dir / "model.safetensors", tensors);
    auto model = qs::Model::load(dir);
    QCOMPARE(model->config().layout.wordEmbedProjDim, 80);
    auto ids = qs::golden::inputIds(src);
    QVERIFY(maxDiff(model->forward(ids), qs::golden::tensor(src / "logits.safetensors", "logits")) < kTolerance);
  }

  // Fused q/k/v (Falcon, Bloom, GPT-2) is split at load: every family lists q, k, v and o per
  // layer, so rules such as excl.k_proj and per-role statistics work on all of them.
  void linearWeightsCoverEveryProjection_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("perLayer");
    QTest::newRow("llama") << "llama" << 7;
    QTest::newRow("gemma") << "gemma" << 7;
    QTest::newRow("opt") << "opt" << 6;
    QTest::newRow("falcon") << "falcon" << 6;
    QTest::newRow("falcon_newdec") << "falcon_newdec" << 6;
    QTest::newRow("bloom") << "bloom" << 6;
    QTest::newRow("gpt2") << "gpt2" << 6;
  }
  void linearWeightsCoverEveryProjection() {
    QFETCH(QString, family);
    QFETCH(int, perLayer);
    auto dir = goldenDir(family.toUtf8().constData());
    QVERIFY2(!dir.empty(), "tests/data/golden is incomplete");
    auto model = qs::Model::load(dir);
    auto linears = model->linearWeights();
    QCOMPARE(static_cast<int>(linears.size()), 2 * perLayer + 1);
    QCOMPARE(linears.back().role, qs::TensorRole::LmHead);
    for (int l = 0; l < 2; ++l)
      for (auto role : {qs::TensorRole::QProj, qs::TensorRole::KProj, qs::TensorRole::VProj, qs::TensorRole::OutProj}) {
        auto it = std::find_if(linears.begin(), linears.end(), [&](auto& lw) { return lw.layer == l && lw.role == role; });
        QVERIFY2(it != linears.end(), qPrintable(QString("layer %1 %2 missing").arg(l).arg(qs::roleName(role).data())));
        QCOMPARE(it->weight->size(1), int64_t{64});  // [out, in]: Conv1D weights are transposed at load
      }
    int64_t params = 0;
    for (auto& l : linears) params += l.weight->numel();
    QVERIFY(params < model->parameterCount());
  }
};

QTEST_GUILESS_MAIN(TestGoldenModels)
#include "test_golden_models.moc"
