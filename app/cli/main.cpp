// quantscope-cli: the headless front end of the QuantScope engine.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/command.h"
#include "core/base/error.h"
#include "core/base/runtime.h"

namespace {

void printOverview() {
  std::cout << "quantscope-cli " << QS_VERSION
            << " - evaluate quantized LLMs (weights, activations, KV cache) headless.\n\n"
               "usage: quantscope-cli [--threads N] COMMAND [ARGS...]\n"
               "       quantscope-cli COMMAND --help\n\ncommands:\n";
  for (const auto& [name, cmd] : qs::cli::commands()) {
    std::string padded = name;
    padded.resize(14, ' ');
    std::cout << "  " << padded << cmd.summary << "\n";
  }
  std::cout << "\nMODEL is a Hugging Face folder: config.json, model.safetensors (or a sharded index),\n"
               "and tokenizer files. Exit codes: 0 ok, 1 failure, 2 usage, 3 bad input file, 130 cancelled.\n";
}

}  // namespace

int main(int argc, char** argv) {
  qs::ensurePassiveOpenMpWait(argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  int threads = 0;
  while (!args.empty() && args[0].rfind("--threads", 0) == 0) {
    std::string v;
    if (args[0] == "--threads" && args.size() > 1) {
      v = args[1];
      args.erase(args.begin(), args.begin() + 2);
    } else if (args[0].rfind("--threads=", 0) == 0) {
      v = args[0].substr(10);
      args.erase(args.begin());
    } else {
      std::cerr << "quantscope-cli: --threads needs a value\n";
      return qs::cli::kUsage;
    }
    try {
      threads = std::stoi(v);
    } catch (const std::exception&) {
      std::cerr << "quantscope-cli: --threads expects an integer, got '" << v << "'\n";
      return qs::cli::kUsage;
    }
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() > 1 && qs::cli::commands().count(args[1])) {
      std::cout << qs::cli::commands().at(args[1]).help;
      return qs::cli::kOk;
    }
    printOverview();
    return args.empty() ? qs::cli::kUsage : qs::cli::kOk;
  }
  if (args[0] == "--version") {
    std::cout << "quantscope-cli " << QS_VERSION << " (libtorch " << qs::libtorchVersion() << ")\n";
    return qs::cli::kOk;
  }
  auto it = qs::cli::commands().find(args[0]);
  if (it == qs::cli::commands().end()) {
    std::cerr << "quantscope-cli: unknown command '" << args[0] << "' (see quantscope-cli --help)\n";
    return qs::cli::kUsage;
  }
  qs::configureThreads(threads);
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    return it->second.run(rest);
  } catch (const qs::cli::UsageError& e) {
    std::cerr << "quantscope-cli " << args[0] << ": " << e.what() << "\n(see quantscope-cli " << args[0]
              << " --help)\n";
    return qs::cli::kUsage;
  } catch (const qs::Cancelled&) {
    std::cerr << "quantscope-cli " << args[0] << ": cancelled\n";
    return qs::cli::kCancelled;
  } catch (const qs::Error& e) {
    std::cerr << "quantscope-cli " << args[0] << ": error: " << e.what() << "\n";
    return qs::cli::kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "quantscope-cli " << args[0] << ": failed: " << e.what() << "\n";
    return qs::cli::kFailure;
  }
}
