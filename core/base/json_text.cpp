#include "core/base/json_text.h"

#include <nlohmann/json.hpp>

#include "core/base/error.h"

namespace qs {

void checkJsonDepth(std::string_view text, const std::string& where) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw Error(where + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (at byte " +
                    std::to_string(i) + ")");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

nlohmann::json parseJson(std::string_view text, const std::string& where) {
  checkJsonDepth(text, where);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for "1e999"
    throw Error(where + ": invalid JSON: " + e.what());
  }
}

}  // namespace qs
