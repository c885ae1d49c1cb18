#pragma once
// Helpers shared by the commands that read and write experiment databases (runs, show, export,
// merge): opening a store with the right exit code, and plain-text tables for the terminal.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/command.h"
#include "core/base/error.h"
#include "core/store/experiment_store.h"

namespace qs::cli {

// Aligned columns separated by two spaces, a header line first.
std::string textTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// Model ids matching a --model value: an id, a fingerprint prefix (6+ hex digits), a path or a
// folder name. Throws qs::Error listing the models when none matches.
std::vector<int64_t> matchModels(const ExperimentStore& store, const std::string& pattern);

// A database named on the command line that cannot be opened (exit code kBadInput).
struct BadInput : qs::Error {
  using qs::Error::Error;
};

// Opens a store, turning its qs::Error into BadInput.
ExperimentStore openStore(const std::filesystem::path& file, ExperimentStore::Mode mode);

void printError(const char* name, const std::string& message);

// Runs a command body, mapping exceptions to exit codes: UsageError -> kUsage (with a pointer to
// --help), BadInput -> kBadInput, other qs::Error -> kFailure; messages go to stderr.
template <typename Body>
int guarded(const char* name, Body&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    printError(name, std::string(e.what()) + "\n(see 'quantscope-cli " + name + " --help')");
    return kUsage;
  } catch (const BadInput& e) {
    printError(name, e.what());
    return kBadInput;
  } catch (const qs::Error& e) {
    printError(name, e.what());
    return kFailure;
  }
}

}  // namespace qs::cli
