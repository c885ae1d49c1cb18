#pragma once
// Helpers shared by the CLI commands.
#include <filesystem>
#include <memory>
#include <string>

#include "app/cli/command.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "quant/quantized_model.h"

namespace qs::cli {

// The MODEL positional argument and --device / --dtype, loaded.
std::unique_ptr<Model> loadModel(const std::string& dir, const Args& args);
std::unique_ptr<Tokenizer> loadTokenizer(const std::string& dir);
// --quant NAME (canonical name or preset) applied to the model; nullptr without the option.
std::unique_ptr<QuantizedModel> applyQuantOption(Model& model, const Args& args);
// Reads a whole text file; qs::Error naming the file when it cannot.
std::string readTextFile(const std::filesystem::path& path);
// Prints the command's help when --help was given; returns true if it did.
bool printHelpIfAsked(const Args& args, const std::string& command);

}  // namespace qs::cli
