#pragma once
// Shared by the libFuzzer targets: a private scratch folder in memory (/dev/shm when there is one)
// for the parsers that take a path, and the rule that qs::Error is the expected rejection of a bad
// input while anything else escaping (another exception, a sanitizer report) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/base/error.h"

namespace qs::fuzz {

namespace fs = std::filesystem;

// Created on first use, removed at exit.
inline const fs::path& scratchDir() {
  static const fs::path dir = [] {
    fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = base / ("qs-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    std::atexit([] { std::error_code ec; fs::remove_all(scratchDir(), ec); });
    return d;
  }();
  return dir;
}

inline void writeFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();  // the harness itself failed: not a finding about the parser
}

inline std::string_view asText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs f; a qs::Error is the documented rejection. Everything else propagates and crashes.
template <class F>
void expectCleanRejection(F&& f) {
  try {
    f();
  } catch (const qs::Error&) {
  }
}

// A violated invariant of an accepted input: report it and crash so libFuzzer saves the input.
[[noreturn]] inline void fail(const std::string& what) {
  fprintf(stderr, "fuzz invariant violated: %s\n", what.c_str());
  std::abort();
}

}  // namespace qs::fuzz
