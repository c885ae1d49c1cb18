#pragma once
// Parsing untrusted JSON (safetensors headers, config.json, tokenizer files, task files, JSONL
// data, database JSON columns): the nesting depth is checked before parsing, so a hostile file
// (an array nested 200,000 deep in a tensor's shape) gets a clear message instead of exhausting
// the stack wherever the value is later walked, printed or destroyed.
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace qs {

// Far deeper than any real file (tokenizer.json, the deepest, nests about 8 levels).
inline constexpr int kMaxJsonDepth = 256;

// Throws qs::Error "<where>: JSON nested deeper than 256 levels (at byte N)" when it is.
void checkJsonDepth(std::string_view text, const std::string& where);
// checkJsonDepth, then nlohmann's parser; a syntax error becomes qs::Error "<where>: invalid JSON: ...".
nlohmann::json parseJson(std::string_view text, const std::string& where);

}  // namespace qs
