#include "core/store/store_records.h"

#include <array>

namespace qs {
namespace {
constexpr std::array<std::string_view, 5> kStatusNames = {"queued", "running", "done", "failed",
                                                          "interrupted"};
constexpr std::array<std::string_view, 4> kLevelNames = {"debug", "info", "warning", "error"};
}  // namespace

std::string_view runStatusName(RunStatus status) { return kStatusNames[static_cast<size_t>(status)]; }

std::optional<RunStatus> runStatusFromName(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == name) return static_cast<RunStatus>(i);
  return std::nullopt;
}

std::string_view logLevelName(LogLevel level) { return kLevelNames[static_cast<size_t>(level)]; }

}  // namespace qs
