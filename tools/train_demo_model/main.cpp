// train-demo-model: builds QuantScope's demo model from nothing. Generates the synthetic corpus,
// trains a byte-level BPE and a small LLaMA (or OPT) on it, exports a Hugging Face folder, checks
// that QuantScope's loaders reproduce the trainer, and records what it measured.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/model/generation.h"
#include "core/model/model.h"
#include "core/checkpoint/safetensors.h"
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
constexpr size_t kGsmShots = 3;  // what fits the 512-token context with the question and the answer
constexpr size_t kProbeItems = 20;  // held-out retrieval items per length for the probe during training
// The warm-up corpus and the probe's short records get seeds of their own, derived from --seed.
constexpr uint64_t kWarmupSeed = 0x3A4F;
constexpr uint64_t kShortProbeSeed = 0x5B0B;

struct Options {
  std::filesystem::path out = "resources/demo-model";
  std::filesystem::path dataOut;  // empty: the demo data files are not written
  std::string family = "llama";
  uint64_t seed = 1234;
  int hidden = 128, layers = 4, heads = 4, kvHeads = 2, ffn = 384, merges = 1200, threads = 2;
  int64_t corpusChars = 12'000'000;
  int benchSteps = 0;  // > 0: train that many steps, report tokens/s, write nothing
  int samples = 0;     // > 0: print that many training documents and exit
  bool resume = false;  // skip training: reload the weights and record that --out already holds
  // Non-empty: start from the weights of that finished run (same configuration) instead of random.
  std::filesystem::path continueFrom;
  bool tieEmbeddings = false;  // LLaMA: lm_head shares the token embedding (OPT always does)
  TrainingOptions train;
  std::string commandLine;
};

const char* kUsage =
    "usage: train-demo-model [--out DIR] [--data-out DIR] [--family llama|opt] [--seed N] [--steps N]\n"
    "         [--batch N] [--seq N] [--lr X] [--warmup N] [--hidden N] [--layers N] [--heads N]\n"
    "         [--kv-heads N] [--ffn N] [--merges N] [--corpus-chars N] [--threads N] [--bench-steps N]\n"
    "         [--retrieval-warmup N] [--retrieval-replay K] [--tie-embeddings] [--max-minutes X]\n"
    "         [--continue-from DIR] [--samples N] [--resume]\n";

Options parseOptions(int argc, char** argv) {
  Options o;
  o.commandLine = "./build/tools/train-demo-model";
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    o.commandLine += " " + key;
    if (key == "--resume") {
      o.resume = true;
      continue;
    }
    if (key == "--tie-embeddings") {
      o.tieEmbeddings = true;
      continue;
    }
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
    else if (key == "--continue-from") o.continueFrom = v;
    else if (key == "--family") o.family = v;
    else if (key == "--seed") o.seed = static_cast<uint64_t>(num()), o.train.seed = o.seed;
    else if (key == "--steps") o.train.steps = static_cast<int>(num());
    else if (key == "--batch") o.train.batch = static_cast<int>(num());
    else if (key == "--seq") o.train.seqLen = static_cast<int>(num());
    else if (key == "--lr") o.train.lr = std::stod(v);
    else if (key == "--warmup") o.train.warmup = static_cast<int>(num());
    else if (key == "--retrieval-warmup") o.train.retrievalWarmupSteps = static_cast<int>(num());
    else if (key == "--retrieval-replay") o.train.retrievalReplayEvery = static_cast<int>(num());
    else if (key == "--max-minutes") o.train.maxSeconds = 60.0 * std::stod(v);
    else if (key == "--hidden") o.hidden = static_cast<int>(num());
    else if (key == "--layers") o.layers = static_cast<int>(num());
    else if (key == "--heads") o.heads = static_cast<int>(num());
    else if (key == "--kv-heads") o.kvHeads = static_cast<int>(num());
    else if (key == "--ffn") o.ffn = static_cast<int>(num());
    else if (key == "--merges") o.merges = static_cast<int>(num());
    else if (key == "--corpus-chars") o.corpusChars = num();
    else if (key == "--threads") o.threads = static_cast<int>(num());
    else if (key == "--bench-steps") o.benchSteps = static_cast<int>(num());
    else if (key == "--samples") o.samples = static_cast<int>(num());
    else throw Error("unknown option " + key + "\n" + kUsage);
  }
  if (o.family != "llama" && o.family != "opt") throw Error("--family must be llama or opt");
  return o;
}

// The demo configuration as config.json keys, read through the family's own config reader.
ModelConfig modelConfig(const Options& o, int vocab) {
  nlohmann::json j{{"model_type", o.family},         {"hidden_size", o.hidden},
                   {"num_hidden_layers", o.layers},  {"num_attention_heads", o.heads},
                   {"vocab_size", vocab},            {"max_position_embeddings", o.train.seqLen},
                   {"bos_token_id", 0},              {"eos_token_id", 0},
                   {"torch_dtype", "float32"}};
  if (o.family == "opt") {
    j["ffn_dim"] = o.ffn;
    j["activation_function"] = "relu";
    j["tie_word_embeddings"] = true;
    j["enable_bias"] = true;
    j["do_layer_norm_before"] = true;
  } else {
    j["num_key_value_heads"] = o.kvHeads;
    j["intermediate_size"] = o.ffn;
    j["rms_norm_eps"] = 1e-5;
    j["hidden_act"] = "silu";
    j["tie_word_embeddings"] = o.tieEmbeddings;
  }
  return ModelConfig::fromJson(j, "train-demo-model --family " + o.family);
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
     << "- Training: " << r["steps"] << " steps (of " << r["steps_planned"] << " planned"
     << (r["stopped_by_deadline"].get<bool>() ? ", stopped by the --max-minutes deadline" : "") << ") x " << r["batch"] << " x " << r["seq_len"] << " tokens ("
     << r["tokens_seen"] << " tokens in all), AdamW lr " << r["lr"] << ", cosine schedule\n";
  if (r.value("retrieval_warmup_steps", 0) > 0)
    md << "- Retrieval warm-up: the first " << r["retrieval_warmup_steps"]
       << " steps on retrieval documents only (--retrieval-warmup), in windows of " << r["retrieval_warmup_batch"]
       << " x " << r["retrieval_warmup_seq_len"] << " tokens\n";
  if (r.value("retrieval_replay_every", 0) > 0)
    md << "- Retrieval replay: after the warm-up, every " << r["retrieval_replay_every"]
       << "th step on a warm-up window (--retrieval-replay)\n";
  if (r.contains("previous_stage")) {
    const auto& prev = r["previous_stage"];
    md << "- Continued from (--continue-from) the run `" << prev["command"].get<std::string>() << "`: "
       << prev["steps"] << " steps" << (prev["stopped_by_deadline"].get<bool>() ? " (stopped by its deadline)" : "")
       << ", training " << fixed(prev["training_seconds"].get<double>(), 0)
       << " s; this run's steps are numbered after them, and that run's record is `previous_stage` in "
          "training_record.json\n";
  }
  md << "- Wall time: training " << fixed(r["training_seconds"].get<double>(), 0) << " s ("
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
  if (r.contains("retrieval_probe") && !r["retrieval_probe"].empty()) {
    const auto& probe = r["retrieval_probe"];
    md << "\n## Line retrieval probe during training\n\n"
       << "Held-out records of n lines (" << kProbeItems << " each), teacher-forced up to the answer's number: the share of numbers\n"
       << "predicted exactly (argmax, token by token) / the number's NLL in nats (about 9.2 for a number of the\n"
       << "right form drawn at random, 0 for a certain lookup).\n\n| step |";
    for (const auto& [n, v] : probe.front()["lines"].items()) md << " " << n << " lines |";
    md << "\n|---|";
    for (size_t i = 0; i < probe.front()["lines"].size(); ++i) md << "---|";
    md << "\n";
    for (const auto& row : probe) {
      md << "| " << row["step"] << " |";
      for (const auto& [n, v] : row["lines"].items())
        md << " " << fixed(v["exact"].get<double>(), 2) << " / " << fixed(v["number_nll"].get<double>(), 2) << " |";
      md << "\n";
    }
  }
  std::ofstream out(path);
  if (!out) throw Error(path.string() + ": cannot write");
  out << md.str();
}

// The warm-up documents come from a generator of their own, seeded from --seed.
DemoCorpus warmupCorpus(const Options& o) { return DemoCorpus(o.seed ^ kWarmupSeed, Split::Train); }

// With --retrieval-warmup, the warm-up corpus's documents instead of the main corpus's.
void printSamples(const Options& o) {
  const bool warmup = o.train.retrievalWarmupSteps > 0;
  DemoCorpus corpus = warmup ? warmupCorpus(o) : DemoCorpus(o.seed, Split::Train);
  for (int i = 0; i < o.samples; ++i) {
    std::printf("=== document %d (segments end with |)\n", i);
    const auto doc = warmup ? corpus.retrievalWarmupDocument() : corpus.document();
    for (const auto& s : doc.segments) std::printf("%s|", s.c_str());
    std::printf("\n");
  }
}

// Everything the seed determines before training: corpus, tokenizer, held-out data, configuration.
struct Prepared {
  ByteLevelBpe bpe;
  TokenStream stream;
  TokenStream warmupStream;  // retrieval documents for the first --retrieval-warmup steps
  DemoData data;
  std::vector<int64_t> heldOut;  // BOS + the held-out text
  ModelConfig config;
};

Prepared prepare(const Options& o, Clock::time_point start) {
  auto docs = DemoCorpus(o.seed, Split::Train).documents(o.corpusChars);
  std::vector<std::string_view> texts;
  for (const auto& d : docs)
    for (const auto& s : d.segments) texts.push_back(s);
  Prepared p{ByteLevelBpe::train(texts, o.merges), {}, {}, makeDemoData(o.seed), {}, {}};
  p.stream = tokenize(docs, p.bpe);
  if (o.train.retrievalWarmupSteps > 0 || o.train.retrievalReplayEvery > 0) {
    // Enough text that the warm-up (and the replayed steps) see each document about once.
    const int replayed = o.train.retrievalReplayEvery > 0 ? o.train.steps / o.train.retrievalReplayEvery : 0;
    const int64_t chars = int64_t{4} * std::max(o.train.retrievalWarmupSteps, replayed) * o.train.warmupBatch *
                          o.train.warmupSeqLen;
    p.warmupStream = tokenize(warmupCorpus(o).retrievalWarmupDocuments(chars), p.bpe);
  }
  p.heldOut = withBos(p.bpe, p.data.heldOutText);
  p.config = modelConfig(o, p.bpe.vocabSize());
  std::printf("corpus: %zu documents, %lld chars, %zu tokens; vocabulary %d (%d merges); held-out text %zu tokens; %.1f s\n",
              docs.size(), static_cast<long long>(o.corpusChars), p.stream.tokens.size(), p.bpe.vocabSize(),
              p.bpe.mergeCount(), p.heldOut.size(), secondsSince(start));
  return p;
}

ordered trainingRecord(const Options& o, const Prepared& p, const TrainableModel& model, const TrainingResult& t) {
  ordered r;
  r["complete"] = false;
  r["family"] = o.family;
  r["command"] = o.commandLine;
  r["seed"] = o.seed;
  r["threads"] = o.threads;
  r["config"] = ordered::parse(toHfConfigJson(p.config));
  r["ffn"] = o.ffn;
  r["parameters"] = model.parameterCount();
  r["model_bytes"] = model.parameterCount() * 4;
  r["merges"] = p.bpe.mergeCount();
  r["corpus_chars"] = o.corpusChars;
  r["corpus_tokens"] = p.stream.tokens.size();
  r["steps"] = t.stepsDone;
  r["steps_planned"] = o.train.steps;
  r["stopped_by_deadline"] = t.stoppedByDeadline;
  r["batch"] = o.train.batch;
  r["seq_len"] = o.train.seqLen;
  r["lr"] = o.train.lr;
  r["retrieval_warmup_steps"] = o.train.retrievalWarmupSteps;
  r["retrieval_replay_every"] = o.train.retrievalReplayEvery;
  r["retrieval_warmup_batch"] = o.train.warmupBatch;
  r["retrieval_warmup_seq_len"] = o.train.warmupSeqLen;
  r["tokens_seen"] = t.tokensSeen;
  r["training_seconds"] = t.seconds;
  r["tokens_per_second"] = t.tokensPerSecond;
  r["final_train_loss"] = t.finalTrainLoss;
  r["heldout_losses"] = ordered::array();
  for (auto [step, loss] : t.heldOutLosses) r["heldout_losses"].push_back({step, loss});
  return r;
}

void writeRecord(const std::filesystem::path& path, const ordered& record) {
  std::ofstream out(path);
  if (!out) throw Error(path.string() + ": cannot write");
  out << record.dump(2) << "\n";
}

ordered readRecord(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open (--resume and --continue-from need the record of a finished training)");
  try {
    return ordered::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": invalid JSON: " + e.what());
  }
}

// --resume and --continue-from: the weights of a finished training, read back from its folder.
void loadWeights(TrainableModel& model, const std::filesystem::path& file) {
  at::NoGradGuard noGrad;
  auto st = SafetensorsFile::open(file);
  for (const auto& [name, param] : model.named()) {
    auto stored = st->tensor(name);
    if (stored.sizes() != param.sizes()) throw Error(file.string() + ": tensor " + name + " has another shape");
    param.detach().copy_(stored);
  }
}

// --resume and --continue-from: the record and weights of a finished training in `dir`, which must
// have been made with this configuration and seed.
ordered loadFinishedTraining(const std::filesystem::path& dir, const Options& o, const Prepared& p,
                             TrainableModel& model) {
  const auto recordPath = dir / "training_record.json";
  auto record = readRecord(recordPath);
  if (record["config"] != ordered::parse(toHfConfigJson(p.config)) || record["seed"] != o.seed)
    throw Error(recordPath.string() + ": recorded for another configuration or seed than these options");
  loadWeights(model, dir / "model.safetensors");
  return record;
}

// Trains (or, with --resume, reloads) the model, exports it and writes the partial record.
ordered trainOrResume(const Options& o, const Prepared& p, TrainableModel& model) {
  const auto recordPath = o.out / "training_record.json";
  if (o.resume) {
    auto record = loadFinishedTraining(o.out, o, p, model);
    std::printf("resumed the training recorded in %s\n", recordPath.string().c_str());
    return record;
  }
  // --continue-from: this run's steps are numbered after the earlier run's, whose record is kept.
  ordered previous;
  int stepOffset = 0;
  if (!o.continueFrom.empty()) {
    previous = loadFinishedTraining(o.continueFrom, o, p, model);
    stepOffset = previous["steps"].get<int>();
    std::printf("continuing from %s after its %d steps\n", o.continueFrom.string().c_str(), stepOffset);
  }
  ForwardFn trainerForward = [&](const at::Tensor& ids) { return model.forward(ids); };
  EncodeFn encode = [&](std::string_view t) { return withBos(p.bpe, t); };
  // Key lookup forms late and suddenly, if at all: a probe during training shows when (README.md).
  // Records of 1 and 2 lines too: whether numbers are copied at all, and whether keys steer the copy.
  DemoCorpus shortRecords(o.seed + kShortProbeSeed, Split::HeldOut);
  std::vector<std::vector<LinesItem>> probeSets(2);
  for (size_t i = 0; i < kProbeItems; ++i)
    probeSets[0].push_back(shortRecords.lines(1)), probeSets[1].push_back(shortRecords.lines(2));
  for (const auto& set : p.data.lines)
    probeSets.emplace_back(set.begin(), set.begin() + std::min(set.size(), kProbeItems));
  ordered retrievalProbe = previous.value("retrieval_probe", ordered::array());
  auto trained = trainModel(model, p.stream, p.warmupStream, o.train, [&](int step) {
    step += stepOffset;
    ordered row = {{"step", step}, {"lines", ordered::object()}};
    for (const auto& set : probeSets) {
      const auto r = linesTeacherForced(trainerForward, encode, set);
      row["lines"][std::to_string(set.front().numLines)] = {{"exact", r.exact}, {"number_nll", r.numberNll}};
      std::printf("step %5d  retrieval probe, %d lines: exact %.2f, number NLL %.2f nats\n", step,
                  set.front().numLines, r.exact, r.numberNll);
    }
    retrievalProbe.push_back(row);
    return windowPerplexity(trainerForward, p.heldOut, o.train.seqLen, 8).meanNll;
  });
  writeModelFolder(model, p.bpe, o.out);
  auto record = trainingRecord(o, p, model, trained);
  record["retrieval_probe"] = retrievalProbe;
  if (!previous.is_null()) {
    ordered losses = previous["heldout_losses"];
    for (const auto& row : record["heldout_losses"]) losses.push_back({row[0].get<int>() + stepOffset, row[1]});
    record["heldout_losses"] = losses;
    record["previous_stage"] = previous;
  }
  writeRecord(recordPath, record);
  return record;
}

std::vector<TaskAccuracy> taskAccuracies(Model& loaded, const Prepared& p) {
  EncodeFn encode = [&](std::string_view t) { return withBos(p.bpe, t); };
  DecodeFn decode = [&](const std::vector<int64_t>& ids) { return decodeIds(p.bpe, ids); };
  std::vector<TaskAccuracy> tasks = {
      clozeAccuracy(loaded, encode, p.data.cloze), choiceAccuracy(loaded, encode, p.data.choices),
      arithmeticAccuracy(loaded, encode, decode, p.data.arithmetic, fewShotPrefix(p.data.fewShot, kGsmShots))};
  for (const auto& set : p.data.lines) {
    tasks.push_back(linesAccuracy(loaded, encode, decode, set));
    tasks.back().task += ", " + std::to_string(set.front().numLines) + " lines";
  }
  for (const auto& t : tasks) std::printf("%s: %d/%d = %.3f\n", t.task.c_str(), t.correct, t.total, t.accuracy());
  return tasks;
}

// After training: the exported folder is checked against the trainer, measured through
// QuantScope's loaders, and the record completed.
void finish(const Options& o, const Prepared& p, const TrainableModel& model, ordered record, Clock::time_point start) {
  at::NoGradGuard noGrad;
  ForwardFn trainerForward = [&](const at::Tensor& ids) { return model.forward(ids); };
  const auto trainerPpl = windowPerplexity(trainerForward, p.heldOut, o.train.seqLen);
  const auto prompt = withBos(p.bpe, kGreedyPrompt);
  const auto trainerGreedy = greedyNoCache(trainerForward, prompt, kGreedyTokens, p.bpe.endOfTextId());

  const auto batch = at::tensor(std::vector<int64_t>(p.heldOut.begin(), p.heldOut.begin() + 64), at::kLong).view({2, 32});
  const std::vector<std::string> checkTexts = {
      kGreedyPrompt, "Question: What colour is a banana?\nAnswer: yellow",
      "line happy-kite: REGISTER_CONTENT is <1234>\n", "Tom has 5 + 3 = <<5+3=8>>8 apples now.\n#### 8",
      "Unseen text: caf\xc3\xa9, na\xc3\xafve, 1234567 \xe2\x82\xac and    spaces\t\ttabs\n\nnewlines.",
      p.data.heldOutText, p.data.lines.back().front().prompt};
  const auto check = verifyModelFolder(model, p.bpe, o.out, batch, checkTexts, kExportTolerance);
  std::printf("export check: max |logit diff| %.3g, %d tokenizer texts identical\n", check.maxLogitDiff,
              check.tokenizerTextsChecked);

  auto loaded = Model::load(o.out);
  ForwardFn loadedForward = [&](const at::Tensor& ids) { return loaded->forward(ids); };
  const auto ppl = windowPerplexity(loadedForward, p.heldOut, o.train.seqLen);
  GreedyOptions gopt;
  gopt.maxNewTokens = kGreedyTokens;
  gopt.eosTokenId = p.bpe.endOfTextId();
  const auto greedy = greedyGenerate(*loaded, prompt, gopt);
  if (greedy != trainerGreedy) throw Error("the cached greedy decoding of the exported model differs from the trainer's");
  if (std::abs(ppl.meanNll - trainerPpl.meanNll) > 1e-5)
    throw Error("held-out NLL of the exported model " + std::to_string(ppl.meanNll) + " differs from the trainer's " +
                std::to_string(trainerPpl.meanNll));
  std::printf("held-out: loss %.4f, perplexity %.4f over %lld windows\ngreedy: %s\n", ppl.meanNll, ppl.perplexity,
              static_cast<long long>(ppl.windows), decodeIds(p.bpe, greedy).c_str());
  const auto tasks = taskAccuracies(*loaded, p);

  const std::filesystem::path dataDir = o.dataOut.empty() ? std::filesystem::path("resources/demo-data") : o.dataOut;
  if (!o.dataOut.empty())
    writeDemoData(p.data, o.dataOut, [&](std::string_view t) { return static_cast<int>(withBos(p.bpe, t).size()); });
  writeSafetensors(o.out / "trainer_reference.safetensors",
                   {{"input_ids", batch}, {"logits", model.forward(batch).contiguous()}});

  record["complete"] = true;
  record["heldout"] = {{"file", (dataDir / "heldout.txt").generic_string()}, {"window", o.train.seqLen},
                       {"windows", ppl.windows}, {"add_bos", true}, {"mean_nll", ppl.meanNll},
                       {"perplexity", ppl.perplexity}};
  record["greedy"] = {{"prompt", kGreedyPrompt}, {"max_new_tokens", kGreedyTokens}, {"ids", greedy},
                      {"text", decodeIds(p.bpe, greedy)}};
  record["tokenizer_checks"] = ordered::array();
  for (size_t i = 0; i < 5; ++i)
    record["tokenizer_checks"].push_back({{"text", checkTexts[i]}, {"ids", withBos(p.bpe, checkTexts[i])}});
  record["export_check"] = {{"max_logit_diff", check.maxLogitDiff}, {"tolerance", kExportTolerance},
                            {"reference", "trainer_reference.safetensors"}};
  record["tasks"] = ordered::array();
  for (const auto& t : tasks) record["tasks"].push_back(taskJson(t));
  const double finishSeconds = secondsSince(start);
  record["total_seconds"] = o.resume ? record["training_seconds"].get<double>() + finishSeconds
                                     : finishSeconds;
  if (o.resume) record["resumed_finish_seconds"] = finishSeconds;
  writeRecord(o.out / "training_record.json", record);
  writeTrainingMarkdown(o.out / "TRAINING.md", record);
  std::printf("done in %.0f s: %s\n", finishSeconds, o.out.string().c_str());
}

int run(const Options& o) {
  const auto start = Clock::now();
  at::set_num_threads(o.threads);
  at::manual_seed(o.seed);
  if (o.samples > 0) {
    printSamples(o);
    return 0;
  }
  const auto p = prepare(o, start);
  TrainableModel model(p.config, o.seed);
  std::printf("model: %s, %lld parameters\n", o.family.c_str(), static_cast<long long>(model.parameterCount()));
  std::fflush(stdout);
  if (o.benchSteps > 0) {
    TrainingOptions bench = o.train;
    bench.steps = o.benchSteps, bench.logEvery = std::max(1, o.benchSteps / 4);
    auto t = trainModel(model, p.stream, p.warmupStream, bench, {});
    std::printf("bench: %.0f tokens/s, %.2f s/step\n", t.tokensPerSecond, t.seconds / t.stepsDone);
    return 0;
  }
  auto record = trainOrResume(o, p, model);
  finish(o, p, model, std::move(record), start);
  return 0;
}

}  // namespace
}  // namespace qs::demo

int main(int argc, char** argv) {
  // On a loaded machine OpenMP workers that spin instead of sleeping run 2-3x slower.
  qs::ensurePassiveOpenMpWait(argv);
  try {
    return qs::demo::run(qs::demo::parseOptions(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "train-demo-model: " << e.what() << "\n";
    return 1;
  }
}
