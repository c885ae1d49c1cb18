#pragma once
// Field paths into a JSON document, as task files write them: "question.stem",
// "question.choices[*].text" (a list, one value per element), "turns[0]", "endings".
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace qs {

// Resolves `path` in `doc`; nullopt when a key or index is missing. "[*]" maps the rest of the
// path over an array and yields an array. Throws qs::Error on a malformed path.
std::optional<nlohmann::json> resolveJsonPath(const nlohmann::json& doc, std::string_view path);

// A scalar as template text: strings verbatim, integers without a decimal point, booleans
// "true"/"false", null as "". Throws qs::Error for arrays and objects (naming `what`).
std::string jsonScalarText(const nlohmann::json& value, const std::string& what);

}  // namespace qs
