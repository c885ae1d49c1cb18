#include "tasks/json_path.h"

#include <cmath>
#include <sstream>

#include "core/base/error.h"

namespace qs {
namespace {

struct Step {
  std::string key;  // object key, or empty for an index step
  bool isIndex = false;
  bool all = false;  // [*]
  size_t index = 0;
};

std::vector<Step> parsePath(std::string_view path) {
  std::vector<Step> steps;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos)
        throw Error("field path '" + std::string(path) + "': '[' without ']'");
      std::string inner(path.substr(i + 1, close - i - 1));
      Step s;
      s.isIndex = true;
      if (inner == "*") {
        s.all = true;
      } else {
        if (inner.empty() || inner.find_first_not_of("0123456789") != std::string::npos)
          throw Error("field path '" + std::string(path) + "': index '" + inner + "' is not a number or *");
        s.index = std::stoul(inner);
      }
      steps.push_back(s);
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string_view::npos) end = path.size();
    steps.push_back(Step{std::string(path.substr(i, end - i))});
    i = end;
  }
  if (steps.empty()) throw Error("empty field path");
  return steps;
}

std::optional<nlohmann::json> walk(const nlohmann::json& node, const std::vector<Step>& steps, size_t at) {
  if (at == steps.size()) return node;
  const Step& s = steps[at];
  if (!s.isIndex) {
    if (!node.is_object()) return std::nullopt;
    auto it = node.find(s.key);
    if (it == node.end()) return std::nullopt;
    return walk(*it, steps, at + 1);
  }
  if (!node.is_array()) return std::nullopt;
  if (!s.all) {
    if (s.index >= node.size()) return std::nullopt;
    return walk(node[s.index], steps, at + 1);
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& element : node) {
    auto v = walk(element, steps, at + 1);
    if (!v) return std::nullopt;
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

std::optional<nlohmann::json> resolveJsonPath(const nlohmann::json& doc, std::string_view path) {
  return walk(doc, parsePath(path), 0);
}

std::string jsonScalarText(const nlohmann::json& value, const std::string& what) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::number_integer:
      return std::to_string(value.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return std::to_string(value.get<uint64_t>());
    case nlohmann::json::value_t::number_float: {
      double d = value.get<double>();
      if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
      std::ostringstream os;
      os << d;
      return os.str();
    }
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::null:
      return "";
    default:
      throw Error(what + " is " + std::string(value.type_name()) + ", not a text or number value");
  }
}

}  // namespace qs
