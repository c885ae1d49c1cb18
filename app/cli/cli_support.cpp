#include "app/cli/cli_support.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "core/base/error.h"

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
  return std::make_unique<QuantizedModel>(model, config);
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
