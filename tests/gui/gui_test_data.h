#pragma once
// A small experiment database written through the store API, with known values, for the GUI
// tests: two models, an FP16 baseline and W / WA / KV runs on two tasks, layer statistics and
// channel profiles. The tests compare what the views show with these numbers.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/store/experiment_store.h"

namespace qs::test {

struct DemoMetric {
  std::string quant;
  double acc;
  double accStderr;
  double perplexity;  // word_perplexity on wikitext (lower is better)
};

// opt-125m: the curve values the tests check.
inline const std::vector<DemoMetric>& demoMetrics() {
  static const std::vector<DemoMetric> m{
      {"FP16", 0.600, 0.010, 27.65},           {"W8A16KV16-g128", 0.598, 0.011, 27.70},
      {"W4A16KV16-g128", 0.580, 0.012, 30.10}, {"W3A16KV16-g128", 0.500, 0.012, 45.00},
      {"W2A16KV16-g128", 0.300, 0.013, 900.0}, {"W8A8KV16-g128", 0.595, 0.010, 27.90},
      {"W4A8KV16-g128", 0.570, 0.011, 31.00},  {"W4A4KV16-g128", 0.350, 0.013, 300.0},
      {"W16A16KV8-g128", 0.600, 0.010, 27.66}, {"W16A16KV4-g128", 0.590, 0.010, 28.50},
      {"W16A16KV2-g128", 0.400, 0.012, 120.0}, {"W4A16KV4-g128", 0.560, 0.012, 33.0},
  };
  return m;
}

inline const std::vector<std::string>& demoRoles() {
  static const std::vector<std::string> roles{"q_proj", "k_proj", "v_proj", "o_proj", "fc1", "fc2"};
  return roles;
}

// The stored values of the layer statistics, so the tests can recompute them.
inline double demoKurtosis(int layer, int roleIndex, const std::string& kind) {
  return 3.0 + layer * 1.5 + roleIndex * 0.25 + (kind == "activation" ? 40.0 * (layer + 1) : 0.0);
}
inline double demoAbsmax(int layer, int roleIndex, const std::string& kind) {
  return 0.1 * (roleIndex + 1) + (kind == "activation" ? 10.0 * layer : 0.0);
}
inline float demoChannelAbsmax(int layer, int channel) { return channel == 7 ? 50.0f + layer : 1.0f + channel * 0.01f; }

struct DemoDatabase {
  int64_t opt = 0;
  int64_t llama = 0;
  std::map<std::string, int64_t> optRuns;  // quant -> run id on arc_easy
  std::string calibration = "wikitext2 n=8 L=128 seed=0";
};

inline void addRun(ExperimentStore& store, int64_t model, const std::string& quant, const std::string& task,
                   std::vector<MetricRecord> metrics, int64_t& id) {
  RunRecord run;
  run.modelId = model;
  run.quantName = quant;
  run.task = task;
  run.taskVersion = "1";
  run.seed = 1234;
  run.device = "cpu";
  id = store.beginRun(run);
  RunResults results;
  results.metrics = std::move(metrics);
  results.wallSeconds = 2.5;
  results.tokensProcessed = 5000;
  store.finishRun(id, results);
}

inline DemoDatabase makeDemoDatabase(const std::filesystem::path& file) {
  ExperimentStore store(file);
  DemoDatabase db;
  db.opt = store.upsertModel({0, "/models/opt-125m", "opt", 125'000'000, "F16", "fp-opt-125m"});
  db.llama = store.upsertModel({0, "/models/llama-7b", "llama", 6'700'000'000, "F16", "fp-llama-7b"});
  for (const auto& m : demoMetrics()) {
    int64_t id = 0;
    addRun(store, db.opt, m.quant, "arc_easy", {{"acc", m.acc, m.accStderr, 2376, true}}, id);
    db.optRuns[m.quant] = id;
    addRun(store, db.opt, m.quant, "wikitext", {{"word_perplexity", m.perplexity, std::nullopt, 62, false}}, id);
  }
  int64_t id = 0;
  addRun(store, db.llama, "FP16", "arc_easy", {{"acc", 0.75, 0.009, 2376, true}}, id);
  addRun(store, db.llama, "W4A16KV16-g128", "arc_easy", {{"acc", 0.74, 0.009, 2376, true}}, id);
  // A failed run: in the table, not on the curves.
  RunRecord failed;
  failed.modelId = db.llama;
  failed.quantName = "W2A16KV16-g128";
  failed.task = "arc_easy";
  failed.taskVersion = "1";
  failed.seed = 1234;
  id = store.beginRun(failed);
  store.failRun(id, "out of memory (demo)", 1.0);

  std::vector<LayerStatRecord> stats;
  std::vector<ChannelProfileRecord> profiles;
  for (int layer = 0; layer < 4; ++layer) {
    for (size_t r = 0; r < demoRoles().size(); ++r)
      for (const std::string kind : {"weight", "activation"}) {
        LayerStatRecord s;
        s.key = {db.opt, "FP16", kind == "weight" ? "" : db.calibration};
        s.layer = layer;
        s.role = demoRoles()[r];
        s.kind = kind;
        s.count = 4096;
        s.mean = 0.001 * layer;
        s.std = 0.02 * (r + 1);
        s.absmax = demoAbsmax(layer, int(r), kind);
        s.kurtosis = demoKurtosis(layer, int(r), kind);
        s.outlierRatio = 0.001 * layer;
        stats.push_back(s);
      }
    for (const std::string kind : {"key", "value"}) {
      LayerStatRecord s;
      s.key = {db.opt, "FP16", db.calibration};
      s.layer = layer;
      s.role = kind == "key" ? "k_proj" : "v_proj";
      s.kind = kind;
      s.count = 1024;
      s.std = 1.0;
      s.absmax = 5.0 + layer;
      s.kurtosis = 3.5 + layer;
      s.outlierRatio = 0.0;
      stats.push_back(s);
    }
    ChannelProfileRecord p;
    p.key = {db.opt, "FP16", db.calibration};
    p.layer = layer;
    p.role = "fc1";
    p.kind = "activation";
    for (int c = 0; c < 64; ++c) p.absmax.push_back(demoChannelAbsmax(layer, c));
    profiles.push_back(p);
  }
  store.putStats(stats, profiles);
  return db;
}

}  // namespace qs::test
