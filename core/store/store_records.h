#pragma once
// The rows of the experiment database as plain structs: what ExperimentStore reads and writes, what
// the results table, the CLI and the GUI item models consume. No SQL here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

enum class RunStatus { Queued, Running, Done, Failed, Interrupted };

std::string_view runStatusName(RunStatus status);  // "queued", "running", "done", "failed", "interrupted"
std::optional<RunStatus> runStatusFromName(std::string_view name);

struct ModelRecord {
  int64_t id = 0;  // 0 until stored
  std::string path;
  std::string family;  // e.g. "llama", "opt"
  int64_t parameters = 0;
  std::string dtype;        // as stored: "F16", "BF16", "F32"
  std::string fingerprint;  // modelFingerprint(): identifies the model whatever its path
};

// What makes two runs "the same experiment": a run with this key already done is not redone.
struct RunKey {
  std::string modelFingerprint;
  std::string quantName;  // canonical QuantConfig name, e.g. "W4A16KV16-g128"
  std::string task;
  std::string taskVersion;
  int64_t limit = 0;  // examples evaluated; 0 = all
  int64_t seed = 0;
  bool operator==(const RunKey&) const = default;
};

struct RunRecord {
  int64_t id = 0;  // 0 until stored
  int64_t modelId = 0;
  std::string quantName;
  std::string quantJson = "{}";  // the full QuantConfig as JSON
  std::string task;
  std::string taskVersion;
  int64_t limit = 0;  // 0 = all examples
  int64_t seed = 0;
  RunStatus status = RunStatus::Queued;
  std::string device;                   // "cpu", "cuda:0 (NVIDIA H100)"
  std::string softwareVersions = "{}";  // JSON object: {"quantscope": "...", "libtorch": "...", ...}
  std::string startedAt;                // ISO 8601 UTC, "" when not started
  std::string finishedAt;
  double wallSeconds = 0;
  int64_t tokensProcessed = 0;
  std::string errorText;  // why it failed / was interrupted
  std::string shard;      // "i/N" when run by a sharded sweep, else ""
  // How the numbers were measured (schema v5): a JSON object with the task's protocol string and
  // version, the perplexity protocol (level, window, stride) where there is one, limit and seed.
  // Runs compared in one table or chart should agree on it. "" for runs of older files.
  std::string protocol;
};

struct MetricRecord {
  std::string name;  // "acc", "acc_norm", "word_perplexity", ...
  double value = 0;
  std::optional<double> stdError;  // standard error of value, when known
  std::optional<int64_t> samples;  // number of examples behind value, when known
  bool higherIsBetter = true;
};

// One evaluated item of a run (schema v5): a document, or a window of a concatenated perplexity
// text. Enough to pair two runs item by item (flips, McNemar) and to show why an answer changed.
struct ItemRecord {
  int64_t item = 0;      // position in the run, from 0
  int64_t docIndex = 0;  // the document's index in the task's data before --limit (window index)
  std::string docId;     // the document's own id field when it has one, else ""
  // The task's first metric for this item: 1 / 0 for accuracy-like metrics, the log-likelihood for
  // perplexity; nullopt when the item does not contribute to it.
  std::optional<double> score;
  std::optional<int> chosen;  // multiple choice: the choice with the highest log-likelihood
  std::optional<int> gold;    // multiple choice: the correct choice
  std::vector<double> loglikelihoods;  // one per choice; else one per request (a window, a continuation)
  std::vector<bool> greedy;            // per log-likelihood: the continuation was the greedy one
  int64_t tokens = 0;                  // tokens scored or generated
  std::vector<std::string> outputs;    // generation tasks: the raw generation of each turn
  std::string metrics = "{}";          // JSON object: each metric's value for this item
};

// KL divergence of the model with ONE tensor quantized (everything else full precision) against
// the full-precision model, on calibration text: how much that tensor matters (issue 17).
struct SensitivityRecord {
  int64_t modelId = 0;
  std::string quantName;    // the configuration applied to the one tensor, e.g. "W3A16KV16-g128"
  std::string calibration;  // describes the text, as StatsKey::calibration
  int layer = 0;
  std::string role;  // roleName(): "q_proj", "down_proj", ...
  int expert = -1;
  double klDivergence = 0;  // mean over tokens, nats
  int64_t tokens = 0;
};

// Quantization error of one (layer, role) under a configuration: of the weight tensor itself and of
// the linear's output on calibration text. rel = ||q - x|| / ||x||, SQNR = -20 log10(rel) dB.
struct QuantErrorRecord {
  int64_t modelId = 0;
  std::string quantName;
  std::string calibration;
  int layer = 0;
  std::string role;
  int expert = -1;
  std::optional<double> weightRelError;
  std::optional<double> weightSqnrDb;
  std::optional<double> outputRelError;
  std::optional<double> outputSqnrDb;
};

// A cached quantization-method transform (issue 16): computed once per (model, configuration,
// calibration, rotation seed), its tensors in `file` (relative to the database's folder).
struct TransformRecord {
  int64_t modelId = 0;
  std::string quantName;    // canonical name: method, its parameters and the weight spec
  std::string calibration;  // CalibrationSet description ("" for quarot, which takes none)
  int64_t rotationSeed = 0;
  std::string file;
  int64_t bytes = 0;
  double seconds = 0;  // computing it took
  std::string createdAt;
};

// Statistics are a property of (model, quant config, calibration data), not of one task's run.
struct StatsKey {
  int64_t modelId = 0;
  std::string quantName;    // the config the tensors were observed under ("" or baseline = none)
  std::string calibration;  // describes the calibration text, e.g. "wikitext2 n=128 L=512 seed=0"; "" for weights
  bool operator==(const StatsKey&) const = default;
};

struct LayerStatRecord {
  StatsKey key;
  std::optional<int64_t> runId;  // the run that produced it, when one did
  int layer = 0;
  std::string role;  // roleName(): "q_proj", "down_proj", ...
  std::string kind;  // kindName(): "weight", "activation", "key", "value"
  int expert = -1;   // mixture-of-experts expert index; -1 = not an expert's tensor
  int64_t count = 0;
  double mean = 0;
  double std = 0;
  double absmax = 0;
  double kurtosis = 0;  // Pearson (normal = 3)
  std::optional<double> outlierRatio;  // fraction with |x - mean| > k*std; absent in schema v1 rows
};

struct ChannelProfileRecord {
  StatsKey key;
  std::optional<int64_t> runId;
  int layer = 0;
  std::string role;
  std::string kind;
  int expert = -1;  // as in LayerStatRecord
  std::vector<float> absmax;  // one per channel (input feature)
};

enum class LogLevel { Debug, Info, Warning, Error };
std::string_view logLevelName(LogLevel level);  // "debug", "info", "warning", "error"

struct LogRecord {
  int64_t id = 0;  // increases with time: poll with logs(runId, lastSeenId)
  int64_t runId = 0;
  std::string time;  // ISO 8601 UTC with milliseconds
  std::string level;
  std::string text;
};

// Empty / nullopt fields match anything.
struct RunFilter {
  std::optional<int64_t> modelId;
  std::string task;
  std::string quantName;
  std::optional<RunStatus> status;
};

struct StatsQuery {
  std::optional<int64_t> modelId;
  std::optional<std::string> quantName;
  std::optional<std::string> calibration;
  std::optional<int64_t> runId;
  std::optional<int> layer;
  std::string role;  // "" = any
  std::string kind;  // "" = any
  std::optional<int> expert;  // -1 selects the tensors that belong to no expert
};

// Everything a finished run stores, committed in one transaction by finishRun. The stats' key and
// runId are filled in from the run (model, quant) and calibration below.
struct RunResults {
  std::vector<MetricRecord> metrics;
  std::string calibration;
  std::vector<LayerStatRecord> layerStats;
  std::vector<ChannelProfileRecord> channelProfiles;
  double wallSeconds = 0;  // measured by the caller with a monotonic clock
  int64_t tokensProcessed = 0;
  std::vector<ItemRecord> items;  // per-item results (the run's task only)
};

}  // namespace qs
