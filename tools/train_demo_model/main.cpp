// train-demo-model: builds QuantScope's demo model from nothing. Generates the synthetic corpus,
// trains a byte-level BPE and a small LLaMA (or OPT) on it, exports a Hugging Face folder, checks
// that QuantScope's loaders reproduce the trainer, and records what it measured.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/generation.h"
#include "core/model.h"
#include "core/safetensors.h"
#include "tools/train_demo_model/byte_level_bpe.h"
#include "tools/train_demo_model/demo_corpus.h"
#include "tools/train_demo_model/demo_data_files.h"
#include "tools/train_demo_model/demo_evaluation.h"
#include "tools/train_demo_model/demo_export.h"
#include "tools/train_demo_model/demo_training.h"
#include "tools/train_demo_model/trainable_model.h"

namespace qs::demo {
namespace {

using Clock = std::chrono::steady_clock;
using ordered = nlohmann::ordered_json;

constexpr const char* kGreedyPrompt = "Once upon a time, there was a kind girl named Lily. She had a red kite.";
constexpr int kGreedyTokens = 40;
constexpr double kExportTolerance = 1e-4;

struct Options {
  std::filesystem::path out = "resources/demo-model";
  std::filesystem::path dataOut;  // empty: the demo data files are not written
  std::string family = "llama";
  uint64_t seed = 1234;
  int hidden = 128, layers = 4, heads = 4, kvHeads = 2, ffn = 384, merges = 1200, threads = 2;
  int64_t corpusChars = 8'000'000;
  int benchSteps = 0;  // > 0: train that many steps, report tokens/s, write nothing
  TrainingOptions train;
  std::string commandLine;
};

const char* kUsage =
    "usage: train-demo-model [--out DIR] [--data-out DIR] [--family llama|opt] [--seed N] [--steps N]\n"
    "         [--batch N] [--seq N] [--lr X] [--warmup N] [--hidden N] [--layers N] [--heads N]\n"
    "         [--kv-heads N] [--ffn N] [--merges N] [--corpus-chars N] [--threads N] [--bench-steps N]\n";

Options parseOptions(int argc, char** argv) {
  Options o;
  o.commandLine = "./build/tools/train-demo-model";
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    o.commandLine += " " + key;
    if (key == "--help" || key == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) throw Error("option " + key + " needs a value\n" + kUsage);
    const std::string v = argv[++i];
    o.commandLine += " " + v;
    auto num = [&] {
      try {
        return std::stoll(v);
      } catch (const std::exception&) {
        throw Error("option " + key + ": \"" + v + "\" is not a number");
      }
    };
    if (key == "--out") o.out = v;
    else if (key == "--data-out") o.dataOut = v;
    else if (key == "--family") o.family = v;
    else if (key == "--seed") o.seed = static_cast<uint64_t>(num()), o.train.seed = o.seed;
    else if (key == "--steps") o.train.steps = static_cast<int>(num());
    else if (key == "--batch") o.train.batch = static_cast<int>(num());
    else if (key == "--seq") o.train.seqLen = static_cast<int>(num());
    else if (key == "--lr") o.train.lr = std::stod(v);
    else if (key == "--warmup") o.train.warmup = static_cast<int>(num());
    else if (key == "--hidden") o.hidden = static_cast<int>(num());
    else if (key == "--layers") o.layers = static_cast<int>(num());
    else if (key == "--heads") o.heads = static_cast<int>(num());
    else if (key == "--kv-heads") o.kvHeads = static_cast<int>(num());
    else if (key == "--ffn") o.ffn = static_cast<int>(num());
    else if (key == "--merges") o.merges = static_cast<int>(num());
    else if (key == "--corpus-chars") o.corpusChars = num();
    else if (key == "--threads") o.threads = static_cast<int>(num());
    else if (key == "--bench-steps") o.benchSteps = static_cast<int>(num());
    else throw Error("unknown option " + key + "\n" + kUsage);
  }
  if (o.family != "llama" && o.family != "opt") throw Error("--family must be llama or opt");
  return o;
}

ModelConfig modelConfig(const Options& o, int vocab) {
  ModelConfig c;
  c.family = o.family == "opt" ? Family::Opt : Family::Llama;
  c.modelType = o.family;
  c.hiddenSize = o.hidden;
  c.numLayers = o.layers;
  c.numHeads = o.heads;
  c.numKvHeads = c.family == Family::Opt ? o.heads : o.kvHeads;
  c.headDim = o.hidden / o.heads;
  c.intermediateSize = o.ffn;
  c.vocabSize = vocab;
  c.maxPositions = o.train.seqLen;
  c.normEps = 1e-5;
  c.bosTokenId = c.eosTokenId = 0;
  c.torchDtype = "float32";
  if (c.family == Family::Opt) {
    c.activation = "relu";
    c.tieWordEmbeddings = true;
    c.attentionBias = c.mlpBias = true;
    c.doLayerNormBefore = true;
    c.wordEmbedProjDim = o.hidden;
  } else {
    c.activation = "silu";
  }
  return c;
}

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

TokenStream tokenize(const std::vector<TrainingDocument>& docs, const ByteLevelBpe& bpe) {
  TokenStream s;
  for (const auto& d : docs) {
    s.docStarts.push_back(static_cast<int64_t>(s.tokens.size()));
    s.tokens.push_back(bpe.endOfTextId());
    for (const auto& seg : d.segments)
      for (int id : bpe.encode(seg)) s.tokens.push_back(id);
  }
  return s;
}

std::vector<int64_t> withBos(const ByteLevelBpe& bpe, std::string_view text) {
  std::vector<int64_t> ids{bpe.endOfTextId()};
  for (int id : bpe.encode(text)) ids.push_back(id);
  return ids;
}

std::string decodeIds(const ByteLevelBpe& bpe, const std::vector<int64_t>& ids) {
  return bpe.decode(std::vector<int>(ids.begin(), ids.end()));
}

ordered taskJson(const TaskAccuracy& a) {
  return {{"task", a.task}, {"correct", a.correct}, {"total", a.total}, {"accuracy", a.accuracy()}};
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void writeTrainingMarkdown(const std::filesystem::path& path, const ordered& r) {
  std::ostringstream md;
  const auto& cfg = r["config"];
  md << "# How this demo model was trained\n\n"
     << "Written by `train-demo-model` at the end of its run (see README.md to regenerate).\n\n"
     << "- Command: `" << r["command"].get<std::string>() << "`\n"
     << "- Seed: " << r["seed"] << "; threads: " << r["threads"] << "\n"
     << "- Architecture: " << r["family"].get<std::string>() << ", hidden " << cfg["hidden_size"] << ", "
     << cfg["num_hidden_layers"] << " layers, " << cfg["num_attention_heads"] << " heads ("
     << cfg.value("num_key_value_heads", cfg["num_attention_heads"].get<int>()) << " KV heads), MLP "
     << r["ffn"] << ", vocabulary " << cfg["vocab_size"] << ", context " << cfg["max_position_embeddings"] << "\n"
     << "- Parameters: " << r["parameters"] << " (F32, " << r["model_bytes"] << " bytes)\n"
     << "- Tokenizer: byte-level BPE, " << r["merges"] << " merges\n"
     << "- Corpus: " << r["corpus_chars"] << " characters, " << r["corpus_tokens"] << " tokens\n"
     << "- Training: " << r["steps"] << " steps x " << r["batch"] << " x " << r["seq_len"] << " tokens ("
     << r["tokens_seen"] << " tokens), AdamW lr " << r["lr"] << ", cosine schedule\n"
     << "- Wall time: training " << fixed(r["training_seconds"].get<double>(), 0) << " s ("
     << fixed(r["tokens_per_second"].get<double>(), 0) << " tokens/s), whole run "
     << fixed(r["total_seconds"].get<double>(), 0) << " s\n"
     << "- Final train loss (mean of the last logged steps): " << fixed(r["final_train_loss"].get<double>(), 4) << "\n"
     << "- Held-out loss: " << fixed(r["heldout"]["mean_nll"].get<double>(), 4) << "; held-out perplexity "
     << fixed(r["heldout"]["perplexity"].get<double>(), 4) << " (`" << r["heldout"]["file"].get<std::string>()
     << "`, concatenated windows of " << r["heldout"]["window"] << " tokens, " << r["heldout"]["windows"]
     << " windows, BOS once at the start)\n"
     << "- Export check: qs::Model::load logits vs the trainer's forward, max |diff| "
     << r["export_check"]["max_logit_diff"].get<double>() << " (tolerance " << kExportTolerance << ")\n\n"
     << "## Greedy continuation\n\nPrompt: `" << r["greedy"]["prompt"].get<std::string>() << "`\n\n```\n"
     << r["greedy"]["text"].get<std::string>() << "\n```\n\n## Demo tasks (held-out items, unquantized)\n\n"
     << "| task | correct | total | accuracy |\n|---|---|---|---|\n";
  for (const auto& t : r["tasks"])
    md << "| " << t["task"].get<std::string>() << " | " << t["correct"] << " | " << t["total"] << " | "
       << fixed(t["accuracy"].get<double>(), 3) << " |\n";
  md << "\n## Held-out loss during training\n\n| step | loss |\n|---|---|\n";
  for (const auto& p : r["heldout_losses"]) md << "| " << p[0] << " | " << fixed(p[1].get<double>(), 4) << " |\n";
  std::ofstream out(path);
  if (!out) throw Error(path.string() + ": cannot write");
  out << md.str();
}

int run(const Options& o) {
  const auto start = Clock::now();
  at::set_num_threads(o.threads);
  at::manual_seed(o.seed);

  auto docs = DemoCorpus(o.seed, Split::Train).documents(o.corpusChars);
  std::vector<std::string_view> texts;
  for (const auto& d : docs)
    for (const auto& s : d.segments) texts.push_back(s);
  auto bpe = ByteLevelBpe::train(texts, o.merges);
  const auto stream = tokenize(docs, bpe);
  std::printf("corpus: %zu documents, %lld chars, %zu tokens; vocabulary %d (%d merges); %.1f s\n", docs.size(),
              static_cast<long long>(o.corpusChars), stream.tokens.size(), bpe.vocabSize(), bpe.mergeCount(),
              secondsSince(start));

  const auto data = makeDemoData(o.seed);
  const auto heldOut = withBos(bpe, data.heldOutText);
  const auto config = modelConfig(o, bpe.vocabSize());
  TrainableModel model(config, o.seed);
  std::printf("model: %s, %lld parameters; held-out text %zu tokens\n", o.family.c_str(),
              static_cast<long long>(model.parameterCount()), heldOut.size());
  std::fflush(stdout);
  ForwardFn trainerForward = [&](const at::Tensor& ids) { return model.forward(ids); };

  TrainingOptions topt = o.train;
  if (o.benchSteps > 0) topt.steps = o.benchSteps, topt.logEvery = std::max(1, o.benchSteps / 4), topt.evalEvery = 1 << 30;
  auto trained = trainModel(model, stream, topt, [&] {
    return windowPerplexity(trainerForward, heldOut, o.train.seqLen, 8).meanNll;
  });
  if (o.benchSteps > 0) {
    std::printf("bench: %.0f tokens/s, %.2f s/step\n", trained.tokensPerSecond, trained.seconds / topt.steps);
    return 0;
  }

  // The trainer's own measurements.
  const auto trainerPpl = windowPerplexity(trainerForward, heldOut, o.train.seqLen);
  const auto prompt = withBos(bpe, kGreedyPrompt);
  const auto trainerGreedy = greedyNoCache(trainerForward, prompt, kGreedyTokens, bpe.endOfTextId());

  // Export, then everything again through QuantScope's loaders.
  writeModelFolder(model, bpe, o.out);
  const auto batch = at::tensor(std::vector<int64_t>(heldOut.begin(), heldOut.begin() + 64), at::kLong).view({2, 32});
  const std::vector<std::string> checkTexts = {
      kGreedyPrompt, "Question: What colour is a banana?\nAnswer: yellow",
      "line happy-kite: REGISTER_CONTENT is <1234>\n", "Tom has 5 + 3 = <<5+3=8>>8 apples now.\n#### 8",
      "Unseen text: caf\xc3\xa9, na\xc3\xafve, 1234567 \xe2\x82\xac and    spaces\t\ttabs\n\nnewlines.",
      data.heldOutText, data.lines.back().front().prompt};
  const auto check = verifyModelFolder(model, bpe, o.out, batch, checkTexts, kExportTolerance);
  std::printf("export check: max |logit diff| %.3g, %d tokenizer texts identical\n", check.maxLogitDiff,
              check.tokenizerTextsChecked);

  at::NoGradGuard noGrad;
  auto loaded = Model::load(o.out);
  ForwardFn loadedForward = [&](const at::Tensor& ids) { return loaded->forward(ids); };
  const auto ppl = windowPerplexity(loadedForward, heldOut, o.train.seqLen);
  GreedyOptions gopt;
  gopt.maxNewTokens = kGreedyTokens;
  gopt.eosTokenId = bpe.endOfTextId();
  const auto greedy = greedyGenerate(*loaded, prompt, gopt);
  if (greedy != trainerGreedy) throw Error("the cached greedy decoding of the exported model differs from the trainer's");
  if (std::abs(ppl.meanNll - trainerPpl.meanNll) > 1e-5)
    throw Error("held-out NLL of the exported model " + std::to_string(ppl.meanNll) + " differs from the trainer's " +
                std::to_string(trainerPpl.meanNll));
  std::printf("held-out: loss %.4f, perplexity %.4f over %lld windows\ngreedy: %s\n", ppl.meanNll, ppl.perplexity,
              static_cast<long long>(ppl.windows), decodeIds(bpe, greedy).c_str());

  EncodeFn encode = [&](std::string_view t) { return withBos(bpe, t); };
  DecodeFn decode = [&](const std::vector<int64_t>& ids) { return decodeIds(bpe, ids); };
  std::vector<TaskAccuracy> tasks = {clozeAccuracy(*loaded, encode, data.cloze),
                                     choiceAccuracy(*loaded, encode, data.choices),
                                     arithmeticAccuracy(*loaded, encode, decode, data.arithmetic, fewShotPrefix(data.fewShot))};
  for (const auto& set : data.lines) {
    tasks.push_back(linesAccuracy(*loaded, encode, decode, set));
    tasks.back().task += " (" + std::to_string(set.front().numLines) + " lines)";
  }
  for (const auto& t : tasks) std::printf("%s: %d/%d = %.3f\n", t.task.c_str(), t.correct, t.total, t.accuracy());

  const std::filesystem::path dataDir = o.dataOut.empty() ? std::filesystem::path("resources/demo-data") : o.dataOut;
  if (!o.dataOut.empty())
    writeDemoData(data, o.dataOut, [&](std::string_view t) { return static_cast<int>(withBos(bpe, t).size()); });
  writeSafetensors(o.out / "trainer_reference.safetensors",
                   {{"input_ids", batch}, {"logits", model.forward(batch).contiguous()}});

  ordered record;
  record["family"] = o.family;
  record["command"] = o.commandLine;
  record["seed"] = o.seed;
  record["threads"] = o.threads;
  record["config"] = ordered::parse(toHfConfigJson(config));
  record["ffn"] = o.ffn;
  record["parameters"] = model.parameterCount();
  record["model_bytes"] = model.parameterCount() * 4;
  record["merges"] = bpe.mergeCount();
  record["corpus_chars"] = o.corpusChars;
  record["corpus_tokens"] = stream.tokens.size();
  record["steps"] = o.train.steps;
  record["batch"] = o.train.batch;
  record["seq_len"] = o.train.seqLen;
  record["lr"] = o.train.lr;
  record["tokens_seen"] = static_cast<int64_t>(o.train.steps) * o.train.batch * o.train.seqLen;
  record["training_seconds"] = trained.seconds;
  record["tokens_per_second"] = trained.tokensPerSecond;
  record["final_train_loss"] = trained.finalTrainLoss;
  record["heldout"] = {{"file", (dataDir / "heldout.txt").generic_string()}, {"window", o.train.seqLen},
                       {"windows", ppl.windows}, {"add_bos", true}, {"mean_nll", ppl.meanNll},
                       {"perplexity", ppl.perplexity}};
  record["heldout_losses"] = ordered::array();
  for (auto [step, loss] : trained.heldOutLosses) record["heldout_losses"].push_back({step, loss});
  record["greedy"] = {{"prompt", kGreedyPrompt}, {"max_new_tokens", kGreedyTokens}, {"ids", greedy},
                      {"text", decodeIds(bpe, greedy)}};
  record["tokenizer_checks"] = ordered::array();
  for (size_t i = 0; i < 5; ++i) record["tokenizer_checks"].push_back({{"text", checkTexts[i]}, {"ids", withBos(bpe, checkTexts[i])}});
  record["export_check"] = {{"max_logit_diff", check.maxLogitDiff}, {"tolerance", kExportTolerance},
                            {"reference", "trainer_reference.safetensors"}};
  record["tasks"] = ordered::array();
  for (const auto& t : tasks) record["tasks"].push_back(taskJson(t));
  record["total_seconds"] = secondsSince(start);
  {
    std::ofstream out(o.out / "training_record.json");
    if (!out) throw Error((o.out / "training_record.json").string() + ": cannot write");
    out << record.dump(2) << "\n";
  }
  writeTrainingMarkdown(o.out / "TRAINING.md", record);
  std::printf("done in %.0f s: %s\n", secondsSince(start), o.out.string().c_str());
  return 0;
}

}  // namespace
}  // namespace qs::demo

int main(int argc, char** argv) {
  try {
    return qs::demo::run(qs::demo::parseOptions(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "train-demo-model: " << e.what() << "\n";
    return 1;
  }
}
