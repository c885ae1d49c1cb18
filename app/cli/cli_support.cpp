#include "app/cli/cli_support.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/base/error.h"
#include "tasks/calibration_set.h"
#include "tasks/layer_statistics.h"

namespace qs::cli {

std::unique_ptr<Model> loadModel(const std::string& dir, const Args& args) {
  LoadOptions options;
  options.device = args.value("device", "cpu");
  options.dtype = args.value("dtype", "auto");
  return Model::load(dir, options);
}

std::unique_ptr<QuantizedModel> applyQuantOption(Model& model, const Args& args) {
  auto name = args.value("quant");
  if (!name) return nullptr;
  const QuantConfig config = QuantConfig::parse(*name);  // presets are shorthand names
  config.validate();
  if (!config.quantizesAnything()) return nullptr;
  if (config.method == "rtn") return std::make_unique<QuantizedModel>(model, config);
  // The methods' calibration: --calib FILE (where the command takes it) or the bundled text, 8 x 256
  // tokens (capped at the context), seed 1234, as sweeps draw it.
  CalibrationSpec spec;
  if (auto file = args.value("calib")) spec.text = *file;
  const auto tokenizer = Tokenizer::load(model.directory());
  const auto set = loadCalibrationSet([&](std::string_view t) { return tokenizer->encode(t, false); },
                                      calibrationFile(spec, {}), spec.sequences,
                                      std::min<int64_t>(spec.length, model.capabilities().contextLimit), 1234);
  // quarot's rotations take the calibration seed too, so one seed reproduces the run.
  auto quantized = std::make_unique<QuantizedModel>(model, config, set.ids, 1234);
  std::cerr << "method " << config.method << " on calibration " << set.description << ": " << quantized->methodSeconds()
            << " s" << (config.method == "quarot" ? ", rotation seed " + std::to_string(quantized->rotationSeed()) : "")
            << "\n";
  return quantized;
}

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& dir) { return Tokenizer::load(dir); }

std::string readTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool printHelpIfAsked(const Args& args, const std::string& command) {
  if (!args.helpRequested()) return false;
  std::cout << commands().at(command).help;
  return true;
}

}  // namespace qs::cli
