#pragma once
// Typed access to a config.json object for the family config readers. Every failure names the
// file and the key.
#include <nlohmann/json.hpp>

#include <optional>
#include <limits>
#include <string>

#include "core/base/error.h"

namespace qs {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, std::string file) : j_(j), file_(std::move(file)) {}

  bool has(const char* key) const {
    auto it = j_.find(key);
    return it != j_.end() && !it->is_null();
  }
  int positiveInt(const char* key) const {
    auto v = optionalInt(key);
    if (!v) fail(std::string("missing required key \"") + key + "\"");
    if (*v <= 0) fail(std::string("\"") + key + "\" must be positive, got " + std::to_string(*v));
    return *v;
  }
  // A dimension derived as a product (4 x hidden_size, expand x hidden_size): refused naming `what`
  // when it does not fit an int (found by fuzzing: "expand": 444443442 overflowed silently).
  int product(int a, int b, const std::string& what) const {
    const int64_t v = static_cast<int64_t>(a) * static_cast<int64_t>(b);
    if (v > std::numeric_limits<int>::max())
      fail(what + " = " + std::to_string(a) + " x " + std::to_string(b) + " is too large");
    return static_cast<int>(v);
  }
  // The first of several spellings that is present (GPT-2's n_embd, Bloom's n_head, ...).
  int positiveInt(std::initializer_list<const char*> keys) const {
    for (const char* k : keys)
      if (has(k)) return positiveInt(k);
    std::string names;
    for (const char* k : keys) names += (names.empty() ? "\"" : " or \"") + std::string(k) + "\"";
    fail("missing required key " + names);
  }
  std::optional<int> optionalInt(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) fail(std::string("\"") + key + "\" must be an integer");
    return it->get<int>();
  }
  int intOr(const char* key, int fallback) const { return optionalInt(key).value_or(fallback); }
  // bos/eos may be an int or a list of ints (the first is used).
  int tokenId(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return -1;
    if (it->is_number_integer()) return it->get<int>();
    if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<int>();
    fail(std::string("\"") + key + "\" must be an integer or a list of integers");
  }
  double numberOr(const char* key, double fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_number()) fail(std::string("\"") + key + "\" must be a number");
    return it->get<double>();
  }
  // A number that must be > 0 (norm epsilons, rope_theta): 0 or less would give NaN or Inf.
  double positiveNumberOr(const char* key, double fallback) const {
    const double v = numberOr(key, fallback);
    if (!(v > 0)) fail(std::string("\"") + key + "\" must be positive, got " + std::to_string(v));
    return v;
  }
  bool boolOr(const char* key, bool fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(std::string("\"") + key + "\" must be true or false");
    return it->get<bool>();
  }
  std::string stringOr(const char* key, const std::string& fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_string()) fail(std::string("\"") + key + "\" must be a string");
    return it->get<std::string>();
  }
  [[noreturn]] void fail(const std::string& what) const { throw Error(file_ + ": " + what); }
  const nlohmann::json& raw() const { return j_; }
  const std::string& file() const { return file_; }

 private:
  const nlohmann::json& j_;
  std::string file_;
};

}  // namespace qs
