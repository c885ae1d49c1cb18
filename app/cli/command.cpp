#include "app/cli/command.h"

#include <algorithm>
#include <charconv>

namespace qs::cli {
namespace {
std::map<std::string, Command>& registry() {
  static std::map<std::string, Command> r;
  return r;
}
}  // namespace

const std::map<std::string, Command>& commands() { return registry(); }

CommandRegistrar::CommandRegistrar(Command command) {
  auto name = command.name;
  registry().emplace(std::move(name), std::move(command));
}

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& valueOptions,
           const std::vector<std::string>& flagOptions) {
  auto isIn = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      positional_.push_back(a);
      continue;
    }
    std::string key = a.substr(2);
    std::optional<std::string> inlineValue;
    if (auto eq = key.find('='); eq != std::string::npos) {
      inlineValue = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    if (isIn(valueOptions, key)) {
      if (inlineValue) {
        values_[key] = *inlineValue;
      } else {
        if (i + 1 >= argv.size()) throw UsageError("option --" + key + " needs a value");
        values_[key] = argv[++i];
      }
    } else if (isIn(flagOptions, key)) {
      if (inlineValue) throw UsageError("option --" + key + " takes no value");
      flags_[key] = true;
    } else {
      throw UsageError("unknown option --" + key);
    }
  }
}

bool Args::has(const std::string& name) const { return values_.count(name) || flags_.count(name); }

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::value(const std::string& name, const std::string& fallback) const {
  return value(name).value_or(fallback);
}

long long Args::integer(const std::string& name, long long fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  long long out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size())
    throw UsageError("option --" + name + " expects an integer, got '" + *v + "'");
  return out;
}

double Args::number(const std::string& name, double fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    double d = std::stod(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing");
    return d;
  } catch (const std::exception&) {
    throw UsageError("option --" + name + " expects a number, got '" + *v + "'");
  }
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace qs::cli
