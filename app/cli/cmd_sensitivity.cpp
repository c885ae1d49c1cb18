// quantscope-cli sensitivity: which linears matter, one quantized at a time (issue 17).
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/cli/cli_support.h"
#include "app/cli/store_cli.h"
#include "core/base/cancellation.h"
#include "core/store/experiment_store.h"
#include "quant/bits_per_weight.h"
#include "quant/mixed_precision_recipe.h"
#include "quant/single_tensor_config.h"
#include "tasks/layer_sensitivity.h"
#include "tasks/layer_statistics.h"
#include "tasks/model_backend.h"
#include "tasks/report/rank_correlation.h"
#include "tasks/run_recording.h"

namespace qs::cli {
namespace {

CancelToken gCancel;
extern "C" void onSensitivityInterrupt(int) { gCancel.cancel(); }

constexpr const char* kHelp = R"help(usage: quantscope-cli sensitivity MODEL --quant CONFIG [--calib FILE] [--samples N] [--seqlen L]
                                   [--db FILE.qsdb] [--recipe-bits B --target-bpw T] [--top K]
                                   [--batch R] [--device D] [--dtype T]

Layer sensitivity: quantizes ONE linear (layer, role) at a time by CONFIG, everything else at full
precision, and measures KL(FP || quantized) of the next-token distributions on the calibration
text, mean per token in nats. The FP distributions are computed once; each linear then costs one
forward pass over N x L tokens (e.g. 32 layers x 7 roles = 224 passes), with progress and an ETA
on stderr; Ctrl-C stops it (nothing is stored). Prints the linears most sensitive first with the
Pearson kurtosis of their weights, and Spearman's rank correlation between the two (do weight
outliers predict sensitivity?).

CONFIG quantizes weights and / or activations with rtn and no layer rules (e.g. W3, W2-g64,
W4A8-g128): the scan itself narrows it to one linear, as CONFIG-excl.all-incl.<role>.L<layer>.
KV-cache quantization and methods (awq, gptq, ...) act on several tensors and are refused. The
output head and routers are not scanned (CONFIG does not quantize them).

options:
  --quant CONFIG     the configuration each linear is quantized by (required)
  --calib FILE       calibration text (default: the bundled calibration text)
  --samples N        windows of the text (default 8; fewer when the text is shorter)
  --seqlen L         tokens per window (default 256, capped at the model's context)
  --db FILE.qsdb     store one row per linear (model, CONFIG, calibration, layer, role, KL, tokens)
  --target-bpw T     also print a mixed-precision recipe: the k most sensitive linears keep their
                     weights at --recipe-bits, k the largest count whose bits per weight (scales
                     and zero points included, as 'info --quant' prints) stay <= T. Its canonical
                     name (CONFIG plus precision rules w<B>.<role>.L<layer>) parses back to itself
                     and can be given to 'sweep --configs' or 'eval --quant' like any other
  --recipe-bits B    the recipe's higher weight bit-width (default 8)
  --top K            print only the K most sensitive linears (default: all)
  --batch R          windows per forward pass (default 1)
  --device D, --dtype T   as for eval

example:
  quantscope-cli sensitivity resources/demo-model --quant W3 --db sens.qsdb --target-bpw 4.5
  quantscope-cli sweep --model resources/demo-model --configs <recipe name> --tasks lambada_openai --db exp.qsdb
)help";

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void printProgress(const SensitivityProgress& p) {
  const std::string eta = p.etaSeconds < 0 ? "?" : fixed(p.etaSeconds, 0) + " s";
  if (p.done == p.total)
    std::fprintf(stderr, "\r[%3d/%d] done in %.1f s%40s\n", p.done, p.total, p.elapsedSeconds, "");
  else
    std::fprintf(stderr, "\r[%3d/%d] layer %d %-10s elapsed %.0f s  eta %s      ", p.done, p.total, p.layer,
                 std::string(roleName(p.role)).c_str(), p.elapsedSeconds, eta.c_str());
}

void printRanking(const std::vector<LinearSensitivity>& ranked, const std::vector<double>& kurtosis, long long top) {
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < ranked.size() && (top <= 0 || static_cast<long long>(i) < top); ++i)
    rows.push_back({std::to_string(i + 1), std::to_string(ranked[i].layer), std::string(roleName(ranked[i].role)),
                    fixed(ranked[i].klDivergence, 6), fixed(kurtosis[i], 2)});
  std::cout << textTable({"rank", "layer", "role", "KL (nats/token)", "weight kurtosis"}, rows);
}

void printCorrelation(const std::vector<LinearSensitivity>& ranked, const std::vector<double>& kurtosis) {
  std::vector<double> kl;
  for (const auto& s : ranked) kl.push_back(s.klDivergence);
  const auto rho = spearmanCorrelation(kl, kurtosis);
  std::cout << "\ndo outliers predict sensitivity? Spearman rho(KL, weight kurtosis) = "
            << (rho ? fixed(*rho, 3) : std::string("undefined (a constant ranking)")) << " over " << ranked.size()
            << " linears\n";
}

void printRecipe(const QuantConfig& base, const std::vector<LinearSensitivity>& ranked, int bits, double target,
                 Model& model) {
  std::vector<RankedLinear> order;
  for (const auto& s : ranked) order.push_back({s.layer, s.role});
  const auto r = mixedPrecisionRecipe(base, order, bits, target, linearShapes(model));
  std::cout << "\nmixed-precision recipe (target " << fixed(target, 3) << " bits per weight, " << bits << "-bit keeps):\n";
  if (!r.meetsTarget) {
    std::cout << "  none: " << base.name() << " alone takes " << fixed(r.baseBitsPerWeight, 3)
              << " bits per weight, above the target\n";
    return;
  }
  std::cout << "  keeps " << r.kept.size() << " of " << ranked.size() << " linears at " << bits << " bits: "
            << fixed(r.bitsPerWeight, 3) << " bits per weight (" << base.name() << " alone: "
            << fixed(r.baseBitsPerWeight, 3) << ")\n";
  std::cout << "  " << r.name << "\n";
  std::cout << "  parses back to the same name: "
            << (QuantConfig::parse(r.name).name() == r.name ? "yes" : "NO") << "\n";
}

int runSensitivity(const std::vector<std::string>& argv) {
  Args args(argv, {"quant", "calib", "samples", "seqlen", "db", "recipe-bits", "target-bpw", "top", "batch", "device",
                   "dtype"},
            {});
  if (args.helpRequested()) {
    std::cout << kHelp;
    return kOk;
  }
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder");
  const auto quant = args.value("quant");
  if (!quant) throw UsageError("--quant CONFIG is required (e.g. --quant W3)");
  QuantConfig base;
  try {
    base = QuantConfig::parse(*quant);
    requireSingleTensorBase(base);
  } catch (const Error& e) {
    throw UsageError(std::string("--quant: ") + e.what());
  }
  const auto target = args.value("target-bpw");
  const double targetBpw = target ? args.number("target-bpw", 0) : 0;
  const int recipeBits = static_cast<int>(args.integer("recipe-bits", 8));
  if (target && !(targetBpw > 0)) throw UsageError("--target-bpw must be a positive number of bits per weight");
  if (!target && args.has("recipe-bits")) throw UsageError("--recipe-bits needs --target-bpw");
  // Checked before the scan, which may take hours, rather than after it.
  try {
    if (target) requireRecipeBase(base, recipeBits);
  } catch (const Error& e) {
    throw UsageError(std::string("--recipe-bits: ") + e.what());
  }
  CalibrationSpec spec;
  spec.text = args.value("calib", "");
  spec.sequences = static_cast<int>(args.integer("samples", spec.sequences));
  spec.length = static_cast<int>(args.integer("seqlen", spec.length));
  if (spec.sequences < 1 || spec.length < 2) throw UsageError("--samples must be >= 1 and --seqlen >= 2");
  const int64_t batch = args.integer("batch", 1);
  if (batch < 1) throw UsageError("--batch must be >= 1");

  const std::string dir = args.positional()[0];
  LoadOptions load;
  load.device = args.value("device", "cpu");
  load.dtype = args.value("dtype", "auto");
  auto backend = ModelBackend::load(dir, load);
  Model& model = backend->model();
  const auto windows = calibrationWindows(*backend, {}, spec);
  std::fprintf(stderr, "sensitivity of %s under %s on %s\n", dir.c_str(), base.name().c_str(),
               windows.description.c_str());

  std::signal(SIGINT, onSensitivityInterrupt);
  std::vector<LinearSensitivity> scan;
  try {
    scan = scanLayerSensitivity(model, base, windows.ids, printProgress, &gCancel, batch);
  } catch (...) {
    std::signal(SIGINT, SIG_DFL);
    std::fprintf(stderr, "\n");
    throw;
  }
  std::signal(SIGINT, SIG_DFL);

  const auto ranked = rankBySensitivity(scan);
  const auto kurtosis = weightKurtosis(model, ranked);
  std::cout << "model " << dir << ", " << base.name() << " one linear at a time, " << windows.description << ", "
            << (ranked.empty() ? 0 : ranked.front().tokens) << " tokens\n";
  printRanking(ranked, kurtosis, args.integer("top", 0));
  printCorrelation(ranked, kurtosis);

  if (auto db = args.value("db")) {
    ExperimentStore store(*db);
    const int64_t modelId = recordModel(store, dir, model).id;
    std::vector<SensitivityRecord> rows;
    for (const auto& s : scan)
      rows.push_back({modelId, base.name(), windows.description, s.layer, std::string(roleName(s.role)), -1,
                      s.klDivergence, s.tokens});
    store.putSensitivity(rows);
    std::cout << "\nstored " << rows.size() << " sensitivity rows in " << *db << "\n";
  }
  if (target) printRecipe(base, ranked, recipeBits, targetBpw, model);
  return kOk;
}

const CommandRegistrar kRegister{{
    "sensitivity",
    "per-linear sensitivity (KL with one linear quantized), outlier correlation, mixed-precision recipe",
    kHelp,
    runSensitivity,
}};

}  // namespace
}  // namespace qs::cli
