#pragma once
// One example of a task: its fields as JSON, and where it came from for error messages.
#include <nlohmann/json.hpp>

#include <string>

namespace qs {

struct Document {
  nlohmann::json fields = nlohmann::json::object();
  std::string file;  // data file (as given in the task file) or "<generated>"
  int line = 0;      // 1-based line of the row in that file; 0 when not applicable

  std::string where() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

}  // namespace qs
