#include "tasks/task_config.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/base/error.h"
#include "core/base/json_text.h"
#include "tasks/chat_template.h"
#include "tasks/metrics.h"
#include "tasks/task_hooks.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Source {
  fs::path path;
  std::string text;
};

// Remembers which file gave each top-level key, to point errors at a line.
struct Origins {
  std::vector<std::shared_ptr<Source>> sources;
  std::map<std::string, std::shared_ptr<Source>> byKey;
  std::shared_ptr<Source> main;
};

int lineOfOffset(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// The line of `"key":` in a file, searching from the line of `"after":` when given.
int lineOfKey(const std::string& text, const std::string& key, const std::string& after) {
  size_t from = 0;
  if (!after.empty()) {
    size_t a = text.find("\"" + after + "\"");
    if (a != std::string::npos) from = a;
  }
  size_t p = text.find("\"" + key + "\"", from);
  if (p == std::string::npos) p = text.find("\"" + after + "\"");
  return p == std::string::npos ? 0 : lineOfOffset(text, p);
}

class Checker {
 public:
  explicit Checker(const Origins& o) : o_(o) {}

  // field: "metrics[1].aggregation" -> top key "metrics", last key "aggregation".
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    std::string top = field.substr(0, field.find_first_of(".["));
    std::string last = field.substr(field.find_last_of(".") == std::string::npos ? 0 : field.find_last_of(".") + 1);
    if (auto b = last.find('['); b != std::string::npos) last = last.substr(0, b);
    auto it = o_.byKey.find(top);
    const Source& src = it != o_.byKey.end() ? *it->second : *o_.main;
    int line = lineOfKey(src.text, last, top == last ? "" : top);
    std::string loc = src.path.string() + (line > 0 ? ":" + std::to_string(line) : "");
    throw Error(loc + ": field '" + field + "': " + what);
  }
  std::string where(const std::string& field) const {
    auto it = o_.byKey.find(field.substr(0, field.find_first_of(".[")));
    const Source& src = it != o_.byKey.end() ? *it->second : *o_.main;
    return src.path.string() + ": field '" + field + "'";
  }

 private:
  const Origins& o_;
};

json parseFile(const fs::path& path, Origins& origins) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open task file " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  auto src = std::make_shared<Source>(Source{path, ss.str()});
  origins.sources.push_back(src);
  checkJsonDepth(src->text, path.string());
  json j;
  try {
    j = json::parse(src->text);
  } catch (const json::parse_error& e) {
    int line = lineOfOffset(src->text, e.byte > 0 ? e.byte - 1 : 0);
    throw Error(path.string() + ":" + std::to_string(line) + ": malformed JSON: " + e.what());
  } catch (const json::out_of_range& e) {  // a number beyond double ("1e999") is not a parse_error
    throw Error(path.string() + ": malformed JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(path.string() + ":1: a task file must hold a JSON object");
  return j;
}

void deepMerge(json& base, const json& over) {
  for (auto it = over.begin(); it != over.end(); ++it) {
    if (it->is_object() && base.contains(it.key()) && base[it.key()].is_object()) deepMerge(base[it.key()], *it);
    else base[it.key()] = *it;
  }
}

json loadMerged(const fs::path& path, Origins& origins, std::set<fs::path>& stack) {
  fs::path canon = fs::weakly_canonical(path);
  if (stack.count(canon)) throw Error(path.string() + ": include cycle");
  stack.insert(canon);
  json own = parseFile(path, origins);
  auto self = origins.sources.back();
  json merged = json::object();
  if (own.contains("include")) {
    std::vector<std::string> incs;
    const json& inc = own["include"];
    if (inc.is_string()) incs.push_back(inc.get<std::string>());
    else if (inc.is_array())
      for (const auto& e : inc) {
        if (!e.is_string()) throw Error(path.string() + ":" + std::to_string(lineOfKey(self->text, "include", "")) +
                                        ": field 'include': must hold file names");
        incs.push_back(e.get<std::string>());
      }
    else throw Error(path.string() + ":" + std::to_string(lineOfKey(self->text, "include", "")) +
                     ": field 'include': must be a file name or a list of them");
    for (const auto& name : incs) {
      fs::path p = path.parent_path() / name;
      std::error_code ec;  // a name the file system refuses (longer than 255 bytes) is not found either
      if (!fs::exists(p, ec))
        throw Error(path.string() + ":" + std::to_string(lineOfKey(self->text, "include", "")) +
                    ": field 'include': file not found: " + p.string());
      deepMerge(merged, loadMerged(p, origins, stack));
    }
    own.erase("include");
  }
  // Abstract-ness is not inherited: a variant of a base file is a real task.
  merged.erase("abstract");
  for (auto it = own.begin(); it != own.end(); ++it) origins.byKey[it.key()] = self;
  deepMerge(merged, own);
  stack.erase(canon);
  return merged;
}

// A missing key becomes a message naming the field, not nlohmann's out_of_range ("key 'name' not found").
const json& field(const json& j, const std::string& key, const Checker& c, const std::string& prefix) {
  if (!j.is_object() || !j.contains(key)) c.fail(prefix + key, "is required");
  return j.at(key);
}

std::string getString(const json& j, const std::string& key, const Checker& c, const std::string& prefix = "") {
  const json& v = field(j, key, c, prefix);
  if (!v.is_string()) c.fail(prefix + key, "must be a string, got " + std::string(v.type_name()));
  return v.get<std::string>();
}

std::vector<std::string> getStrings(const json& j, const std::string& key, const Checker& c,
                                    const std::string& prefix = "") {
  const json& v = field(j, key, c, prefix);
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) c.fail(prefix + key, "must be a string or a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) c.fail(prefix + key + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

int getInt(const json& j, const std::string& key, const Checker& c, const std::string& prefix = "") {
  const json& v = field(j, key, c, prefix);
  if (!v.is_number_integer()) c.fail(prefix + key, "must be an integer, got " + std::string(v.type_name()));
  return v.get<int>();
}

PromptTemplate getTemplate(const json& j, const std::string& key, const Checker& c, const std::string& prefix = "") {
  std::string text = getString(j, key, c, prefix);
  try {
    return PromptTemplate::parse(text, c.where(prefix + key));
  } catch (const Error& e) {
    c.fail(prefix + key, e.what());
  }
}

void parseMetricGroup(const json& g, MetricSpec& spec, const Checker& c, const std::string& field) {
  if (!g.is_object() || (g.contains("size") == g.contains("field")))
    c.fail(field, "must be {\"size\": N} (consecutive documents) or {\"field\": path}");
  if (g.contains("size")) {
    spec.groupSize = getInt(g, "size", c, field + ".");
    if (spec.groupSize < 1) c.fail(field + ".size", "must be at least 1");
  } else {
    spec.groupField = getString(g, "field", c, field + ".");
  }
}

void parseMetrics(const json& j, TaskConfig& t, const Checker& c) {
  const json& m = j.at("metrics");
  if (!m.is_array() || m.empty()) c.fail("metrics", "must be a non-empty list");
  for (size_t i = 0; i < m.size(); ++i) {
    std::string field = "metrics[" + std::to_string(i) + "]";
    MetricSpec spec;
    if (m[i].is_string()) {
      spec.name = m[i].get<std::string>();
    } else if (m[i].is_object()) {
      if (!m[i].contains("name")) c.fail(field + ".name", "is missing");
      spec.name = getString(m[i], "name", c, field + ".");
    } else {
      c.fail(field, "must be a metric name or an object");
    }
    spec.function = spec.name;
    if (m[i].is_object() && m[i].contains("function")) spec.function = getString(m[i], "function", c, field + ".");
    const MetricInfo* info = findMetric(spec.function);
    if (!info) c.fail(field + ".name", "unknown metric function '" + spec.function + "' (known: " + hookNames("metric") + ")");
    spec.aggregation = info->aggregation;
    spec.higherIsBetter = info->higherIsBetter;
    if (m[i].is_object() && m[i].contains("aggregation")) {
      spec.aggregation = getString(m[i], "aggregation", c, field + ".");
      if (!isKnownAggregation(spec.aggregation))
        c.fail(field + ".aggregation", "unknown aggregation '" + spec.aggregation + "' (known: " + knownAggregations() + ")");
    }
    if (m[i].is_object() && m[i].contains("group")) parseMetricGroup(m[i]["group"], spec, c, field + ".group");
    if (m[i].is_object() && m[i].contains("higher_is_better")) {
      if (!m[i]["higher_is_better"].is_boolean()) c.fail(field + ".higher_is_better", "must be true or false");
      spec.higherIsBetter = m[i]["higher_is_better"].get<bool>();
    }
    t.metrics.push_back(spec);
  }
}

void parseFewshot(const json& j, TaskConfig& t, const Checker& c) {
  const json& f = j.at("fewshot");
  if (!f.is_object()) c.fail("fewshot", "must be an object");
  FewshotSpec& s = t.fewshot;
  if (f.contains("count")) s.count = getInt(f, "count", c, "fewshot.");
  if (s.count < 0) c.fail("fewshot.count", "must not be negative");
  if (f.contains("source")) {
    try {
      s.source = DataSpec::fromJson(f["source"], c.where("fewshot.source"));
    } catch (const Error& e) {
      c.fail("fewshot.source", e.what());
    }
  }
  if (f.contains("examples")) {
    if (!f["examples"].is_array()) c.fail("fewshot.examples", "must be a list of objects");
    for (size_t i = 0; i < f["examples"].size(); ++i) {
      if (!f["examples"][i].is_object()) c.fail("fewshot.examples[" + std::to_string(i) + "]", "must be an object");
      s.examples.push_back(f["examples"][i]);
    }
  }
  if (f.contains("sampler")) s.sampler = getString(f, "sampler", c, "fewshot.");
  if (s.sampler != "first_n" && s.sampler != "random") c.fail("fewshot.sampler", "must be \"first_n\" or \"random\"");
  if (f.contains("seed")) s.seed = static_cast<uint64_t>(getInt(f, "seed", c, "fewshot."));
  if (f.contains("separator")) s.separator = getString(f, "separator", c, "fewshot.");
  if (f.contains("doc_to_target")) s.target = getTemplate(f, "doc_to_target", c, "fewshot.");
}

void parseOutput(const json& j, TaskConfig& t, const Checker& c) {
  std::string o = getString(j, "output_type", c);
  if (o == "loglikelihood") t.output = OutputType::Loglikelihood;
  else if (o == "multiple_choice") t.output = OutputType::MultipleChoice;
  else if (o == "rolling_loglikelihood") t.output = OutputType::RollingLoglikelihood;
  else if (o == "generate_until") t.output = OutputType::GenerateUntil;
  else c.fail("output_type", "unknown '" + o + "' (loglikelihood, multiple_choice, rolling_loglikelihood, generate_until)");
}

// "choices" / "choice_contexts": a list field path or a non-empty list of templates.
void parseChoiceList(const json& j, const std::string& key, std::string& path, std::vector<PromptTemplate>& templates,
                     const Checker& c) {
  const json& ch = j[key];
  if (ch.is_string()) {
    path = ch.get<std::string>();
  } else if (ch.is_array() && !ch.empty()) {
    for (size_t i = 0; i < ch.size(); ++i) {
      std::string field = key + "[" + std::to_string(i) + "]";
      if (!ch[i].is_string()) c.fail(field, "must be a template string");
      try {
        templates.push_back(PromptTemplate::parse(ch[i].get<std::string>(), c.where(field)));
      } catch (const Error& e) {
        c.fail(field, e.what());
      }
    }
  } else {
    c.fail(key, "must be a list field path or a non-empty list of templates");
  }
}

void parseChoices(const json& j, TaskConfig& t, const Checker& c) {
  if (j.contains("choice_contexts")) {
    if (j.contains("choices")) c.fail("choice_contexts", "replaces choices: give one of them");
    parseChoiceList(j, "choice_contexts", t.choiceContextsPath, t.choiceContextTemplates, c);
    if (t.target.empty()) c.fail("doc_to_target", "is required with choice_contexts (the shared continuation)");
  } else {
    if (!j.contains("choices")) c.fail("choices", "is required for multiple_choice tasks");
    parseChoiceList(j, "choices", t.choicesPath, t.choiceTemplates, c);
  }
  if (!j.contains("gold")) c.fail("gold", "is required for multiple_choice tasks");
  t.goldPath = getString(j, "gold", c);
  if (j.contains("choice_labels")) {
    if (j["choice_labels"].is_string()) t.choiceLabelsPath = j["choice_labels"].get<std::string>();
    else t.choiceLabels = getStrings(j, "choice_labels", c);
  }
}

void parseRolling(const json& j, TaskConfig& t, const Checker& c) {
  const json& r = j.at("rolling");
  if (!r.is_object()) c.fail("rolling", "must be an object");
  if (r.contains("protocol")) t.rolling.protocol = getString(r, "protocol", c, "rolling.");
  if (t.rolling.protocol != "per_document" && t.rolling.protocol != "concatenated")
    c.fail("rolling.protocol", "must be \"per_document\" or \"concatenated\"");
  if (r.contains("window")) t.rolling.window = getInt(r, "window", c, "rolling.");
  if (t.rolling.window < 2) c.fail("rolling.window", "must be at least 2");
  if (r.contains("join")) t.rolling.join = getString(r, "join", c, "rolling.");
}

void checkHooks(TaskConfig& t, const Checker& c) {
  for (size_t i = 0; i < t.docHooks.size(); ++i)
    if (!findDocHook(t.docHooks[i]))
      c.fail("doc_hooks[" + std::to_string(i) + "]", "unknown hook '" + t.docHooks[i] + "' (known: " + hookNames("doc") + ")");
  if (!t.datasetHook.empty() && !findDatasetHook(t.datasetHook))
    c.fail("dataset_hook", "unknown hook '" + t.datasetHook + "' (known: " + hookNames("dataset") + ")");
  for (size_t i = 0; i < t.outputFilters.size(); ++i)
    if (!findTextFilter(t.outputFilters[i]))
      c.fail("output_filters[" + std::to_string(i) + "]",
             "unknown filter '" + t.outputFilters[i] + "' (known: " + hookNames("filter") + ")");
}

void parseBody(const json& j, TaskConfig& t, const Checker& c) {
  auto require = [&](const char* key) {
    if (!j.contains(key)) c.fail(key, "is required");
  };
  require("name");
  t.name = getString(j, "name", c);
  if (t.name.empty() || t.name.find_first_of(" ,/\\") != std::string::npos)
    c.fail("name", "must be non-empty without spaces, commas or slashes");
  require("version");
  t.version = getInt(j, "version", c);
  require("kind");
  t.kind = getString(j, "kind", c);
  const auto& kinds = taskKinds();
  if (std::find(kinds.begin(), kinds.end(), t.kind) == kinds.end())
    c.fail("kind", "unknown '" + t.kind + "' (basic, emergent, trustworthiness, long_context, dialogue)");
  if (j.contains("protocol")) t.protocol = getString(j, "protocol", c);
  if (j.contains("params")) t.params = j["params"];

  if (j.contains("fewshot_gain")) {
    const json& g = j["fewshot_gain"];
    if (!g.is_object() || !g.contains("task") || !g["task"].is_string())
      c.fail("fewshot_gain", "must be an object with \"task\" (and \"count\", \"metric\")");
    t.fewshotGain = g;
    if (!g.contains("count")) t.fewshotGain["count"] = 5;
    if (!g.contains("metric")) t.fewshotGain["metric"] = "acc";
    return;  // everything else comes from the referenced task
  }
  if (j.contains("average_of")) {
    const json& a = j["average_of"];
    if (!a.is_object() || !a.contains("tasks") || !a["tasks"].is_array() || a["tasks"].empty())
      c.fail("average_of", "must be an object with a non-empty \"tasks\" list (and \"metric\")");
    t.averageOf = a;
    getStrings(a, "tasks", c, "average_of.");
    if (!a.contains("metric")) t.averageOf["metric"] = "acc";
    else getString(a, "metric", c, "average_of.");
    return;  // the scores come from the listed tasks
  }

  require("data");
  try {
    t.data = DataSpec::fromJson(j["data"], c.where("data"));
  } catch (const Error& e) {
    c.fail("data", e.what());
  }
  if (j.contains("doc_hooks")) t.docHooks = getStrings(j, "doc_hooks", c);
  if (j.contains("dataset_hook")) {
    if (j["dataset_hook"].is_object()) {
      t.datasetHook = getString(j["dataset_hook"], "name", c, "dataset_hook.");
      if (j["dataset_hook"].contains("params")) deepMerge(t.params, j["dataset_hook"]["params"]);
    } else {
      t.datasetHook = getString(j, "dataset_hook", c);
    }
  }
  if (t.data.files.empty() && t.datasetHook.empty()) c.fail("data.files", "is required (or a dataset_hook that generates documents)");

  require("output_type");
  parseOutput(j, t, c);
  if (j.contains("description")) t.description = getTemplate(j, "description", c);
  if (t.output != OutputType::RollingLoglikelihood || j.contains("doc_to_text")) {
    if (!j.contains("doc_to_text") && !j.contains("turns") && !j.contains("choice_contexts"))
      c.fail("doc_to_text", "is required");
    if (j.contains("doc_to_text")) t.text = getTemplate(j, "doc_to_text", c);
  }
  if (t.output == OutputType::RollingLoglikelihood && t.text.empty()) t.text = PromptTemplate::parse("{text}", c.where("doc_to_text"));
  if (j.contains("doc_to_target")) t.target = getTemplate(j, "doc_to_target", c);
  if (j.contains("target_delimiter")) t.targetDelimiter = getString(j, "target_delimiter", c);
  if (t.output == OutputType::MultipleChoice) parseChoices(j, t, c);
  if (t.output == OutputType::Loglikelihood && t.target.empty()) c.fail("doc_to_target", "is required for loglikelihood tasks");
  if (j.contains("generation")) {
    const json& g = j["generation"];
    if (!g.is_object()) c.fail("generation", "must be an object");
    if (g.contains("until")) t.until = getStrings(g, "until", c, "generation.");
    if (g.contains("max_tokens")) t.maxTokens = getInt(g, "max_tokens", c, "generation.");
    if (t.maxTokens < 1) c.fail("generation.max_tokens", "must be at least 1");
  }
  if (j.contains("output_filters")) t.outputFilters = getStrings(j, "output_filters", c);
  if (j.contains("turns")) t.turnsPath = getString(j, "turns", c);
  if (j.contains("chat")) {
    if (!j["chat"].is_object()) c.fail("chat", "must be an object");
    t.chat = j["chat"];
    for (const char* key : {"template", "fallback"}) {
      if (!t.chat.contains(key)) continue;
      std::string name = getString(t.chat, key, c, "chat.");
      if (name == "model" && std::string(key) == "template") continue;
      try {
        findChatTemplate(name);
      } catch (const Error& e) {
        c.fail(std::string("chat.") + key, e.what());
      }
    }
  }
  if (j.contains("rolling")) parseRolling(j, t, c);
  if (j.contains("fewshot")) parseFewshot(j, t, c);
  require("metrics");
  parseMetrics(j, t, c);
  if (j.contains("breakdown")) t.breakdown = getStrings(j, "breakdown", c);
  if (j.contains("macro_average")) t.macroAverage = getString(j, "macro_average", c);
  if (j.contains("judge")) {
    if (!j["judge"].is_object()) c.fail("judge", "must be an object");
    t.judge = j["judge"];
  }
  checkHooks(t, c);
}

}  // namespace

const std::vector<std::string>& taskKinds() {
  static const std::vector<std::string> k{"basic", "emergent", "trustworthiness", "long_context", "dialogue"};
  return k;
}

std::string outputTypeName(OutputType t) {
  switch (t) {
    case OutputType::Loglikelihood: return "loglikelihood";
    case OutputType::MultipleChoice: return "multiple_choice";
    case OutputType::RollingLoglikelihood: return "rolling_loglikelihood";
    case OutputType::GenerateUntil: return "generate_until";
  }
  return "?";
}

TaskConfig TaskConfig::load(const fs::path& file, const fs::path& tasksDir) {
  Origins origins;
  std::set<fs::path> stack;
  json merged = loadMerged(file, origins, stack);
  origins.main = origins.sources.back();
  for (const auto& s : origins.sources)
    if (fs::weakly_canonical(s->path) == fs::weakly_canonical(file)) origins.main = s;
  Checker c(origins);
  TaskConfig t;
  t.file = file;
  t.raw = merged;
  if (!tasksDir.empty()) {
    auto rel = fs::relative(file.parent_path(), tasksDir);
    t.family = rel.empty() || rel == "." ? "" : rel.begin()->string();
  }
  if (merged.contains("abstract")) {
    if (!merged["abstract"].is_boolean()) c.fail("abstract", "must be true or false");
    t.abstract = merged["abstract"].get<bool>();
  }
  if (t.abstract) {
    if (merged.contains("name")) t.name = merged["name"].is_string() ? merged["name"].get<std::string>() : "";
    return t;
  }
  parseBody(merged, t, c);
  return t;
}

}  // namespace qs
