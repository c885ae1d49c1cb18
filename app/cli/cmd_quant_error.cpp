// quantscope-cli quant-error: per-linear quantization error (weight and output SQNR) under a
// configuration, and the statistics of the tensors as the configuration leaves them (issue 17).
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/cli/cli_support.h"
#include "app/cli/store_cli.h"
#include "core/base/cancellation.h"
#include "core/store/experiment_store.h"
#include "quant/quant_error.h"
#include "quant/quantized_model.h"
#include "tasks/layer_statistics.h"
#include "tasks/linear_quant_error.h"
#include "tasks/model_backend.h"
#include "tasks/run_recording.h"

namespace qs::cli {
namespace {

CancelToken gCancel;
extern "C" void onQuantErrorInterrupt(int) { gCancel.cancel(); }

constexpr uint64_t kSeed = 1234;  // gptq's calibration order, as sweeps and eval use it

constexpr const char* kHelp = R"help(usage: quantscope-cli quant-error MODEL --quant CONFIG [--calib FILE] [--samples N] [--seqlen L]
                                   [--db FILE.qsdb] [--device D] [--dtype T]

Quantization error of every linear CONFIG quantizes, per (layer, role):
  weight  rel = ||Q(W) - W|| / ||W||, Q(W) the weight as CONFIG stores it;
  output  rel = ||y_q - y_fp|| / ||y_fp|| summed over the calibration text, where for the SAME input
          x, the full-precision model's activation at that linear,
            y_fp = x W^T + b    and    y_q = q_a(x) Q(W)^T + b,
          q_a being CONFIG's activation fake quantization (none for A16). The FP input isolates what
          quantizing that one linear costs, without the error of the layers before it (the quantity
          GPTQ minimises).
and SQNR = -20 log10(rel) dB ("exact" when rel = 0: infinite, stored as NULL). Methods: rtn and gptq
(their weights act on the original inputs); awq, smoothquant and quarot move scales or rotations
between tensors and are refused. KV quantization does not change a linear's error; it shows in the
statistics below.

--db stores the errors, and the tensor statistics observed under CONFIG (weights as quantized;
activations, keys and values of the quantized model's forward pass, after CONFIG's fake quantization)
keyed by CONFIG and the calibration, beside the FP16 statistics of the same calibration (gathered
first when the database has none), so the workbench's heatmaps can show both.

options:
  --quant CONFIG   canonical name or preset (required), e.g. W4A8KV4-g128, W3-g128-gptq
  --calib FILE     calibration text (default: the bundled calibration text)
  --samples N      windows of the text (default 8; fewer when the text is shorter)
  --seqlen L       tokens per window (default 256, capped at the model's context)
  --db FILE.qsdb   store errors and statistics
  --device D, --dtype T   as for eval

example:
  quantscope-cli quant-error resources/demo-model --quant W4A8KV4-g128 --db exp.qsdb
)help";

std::string relText(const std::optional<double>& rel) {
  if (!rel) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3e", *rel);
  return buf;
}

std::string sqnrText(const std::optional<double>& rel) {
  if (!rel) return "-";
  if (*rel == 0) return "exact";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", sqnrDb(*rel));
  return buf;
}

void printErrors(const std::vector<LinearQuantError>& errors) {
  std::vector<std::vector<std::string>> rows;
  bool experts = false;
  for (const auto& e : errors) experts = experts || e.expert >= 0;
  for (const auto& e : errors) {
    std::vector<std::string> row{std::to_string(e.layer), std::string(roleName(e.role))};
    if (experts) row.push_back(e.expert < 0 ? "-" : std::to_string(e.expert));
    for (const auto& s : {relText(e.weightRelError), sqnrText(e.weightRelError), relText(e.outputRelError),
                          sqnrText(e.outputRelError)})
      row.push_back(s);
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header{"layer", "role"};
  if (experts) header.push_back("expert");
  for (const char* h : {"weight rel", "weight SQNR dB", "output rel", "output SQNR dB"}) header.push_back(h);
  std::cout << textTable(header, rows);
}

// The FP16 statistics (when missing) and those under the configuration, on the same windows.
void storeStatisticsBeside(ExperimentStore& store, int64_t modelId, ModelBackend& backend, const QuantConfig& config,
                           const CalibrationSpec& spec, const CalibrationWindows& windows) {
  auto log = [](const std::string&, const std::string& m) { std::cerr << m << " (FP16)\n"; };
  storeLayerStatistics(store, modelId, backend.model(), backend, {}, gCancel, log, spec);
  QuantizedModel quantized(backend.model(), config, windows.ids, kSeed);
  const auto stats = gatherStatistics(backend.model(), windows, gCancel);
  const size_t n = storeStatistics(store, modelId, config.name(), stats);
  std::cout << "stored " << n << " tensor statistics under " << config.name() << " (" << stats.calibration << ")\n";
}

int runQuantError(const std::vector<std::string>& argv) {
  Args args(argv, {"quant", "calib", "samples", "seqlen", "db", "device", "dtype"}, {});
  if (args.helpRequested()) {
    std::cout << kHelp;
    return kOk;
  }
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder");
  const auto quant = args.value("quant");
  if (!quant) throw UsageError("--quant CONFIG is required (e.g. --quant W4A8KV4-g128)");
  QuantConfig config;
  try {
    config = QuantConfig::parse(*quant);
    requireOriginalBasis(config);
  } catch (const Error& e) {
    throw UsageError(std::string("--quant: ") + e.what());
  }
  if (!config.quantizesAnything()) throw UsageError("--quant: FP16 quantizes nothing, so there is no error to measure");
  CalibrationSpec spec;
  spec.text = args.value("calib", "");
  spec.sequences = static_cast<int>(args.integer("samples", spec.sequences));
  spec.length = static_cast<int>(args.integer("seqlen", spec.length));
  if (spec.sequences < 1 || spec.length < 2) throw UsageError("--samples must be >= 1 and --seqlen >= 2");

  const std::string dir = args.positional()[0];
  LoadOptions load;
  load.device = args.value("device", "cpu");
  load.dtype = args.value("dtype", "auto");
  auto backend = ModelBackend::load(dir, load);
  const auto windows = calibrationWindows(*backend, {}, spec);

  std::signal(SIGINT, onQuantErrorInterrupt);
  struct RestoreSignal {
    ~RestoreSignal() { std::signal(SIGINT, SIG_DFL); }
  } restoreSignal;
  const auto errors = measureQuantErrors(backend->model(), config, windows.ids, &gCancel, kSeed);
  std::cout << "model " << dir << ", " << config.name() << ", output errors on " << windows.description << "\n";
  printErrors(errors);

  if (auto db = args.value("db")) {
    ExperimentStore store(*db);
    const int64_t modelId = recordModel(store, dir, backend->model()).id;
    store.putQuantErrors(quantErrorRecords(errors, modelId, config.name(), windows.description));
    std::cout << "\nstored " << errors.size() << " quantization-error rows in " << *db << "\n";
    storeStatisticsBeside(store, modelId, *backend, config, spec, windows);
  }
  return kOk;
}

const CommandRegistrar kRegister{{
    "quant-error",
    "per-linear weight and output quantization error (SQNR) and the quantized tensors' statistics",
    kHelp,
    runQuantError,
}};

}  // namespace
}  // namespace qs::cli
