#include "tasks/evaluator.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "core/base/error.h"
#include "core/base/json_text.h"
#include "tasks/chat_template.h"
#include "tasks/resource_paths.h"
#include "tasks/task.h"
#include "tasks/text_file.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<fs::path> taskFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) throw Error("tasks directory not found: " + dir.string());
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

fs::path orDefault(const fs::path& p, fs::path (*fallback)()) { return p.empty() ? fallback() : p; }

fs::path klTextPath(const EvalOptions& o, const fs::path& dataDir) {
  if (!o.klText.empty()) return o.klText;
  fs::path inData = dataDir / "kl" / "kl_text.txt";
  if (fs::exists(inData)) return inData;
  return defaultDataDir() / "kl" / "kl_text.txt";
}

std::vector<int> klTokens(const RequestEngine& engine, const fs::path& text, int64_t maxTokens) {
  auto ids = engine.contextTokens(readTextFile(text));
  if (maxTokens > 0 && static_cast<int64_t>(ids.size()) > maxTokens) ids.resize(maxTokens);
  return ids;
}

}  // namespace

std::vector<TaskInfo> listTasks(const fs::path& tasksDir) {
  std::vector<TaskInfo> out;
  for (const auto& f : taskFiles(tasksDir)) {
    TaskInfo info;
    info.file = f;
    try {
      TaskConfig c = TaskConfig::load(f, tasksDir);
      if (c.abstract) continue;
      info.name = c.name;
      info.family = c.family;
      info.kind = c.kind;
      info.protocol = c.protocol;
      info.version = c.version;
      info.outputType = !c.fewshotGain.is_null() ? "fewshot_gain" : !c.averageOf.is_null() ? "average" : outputTypeName(c.output);
    } catch (const Error& e) {
      info.error = e.what();
    }
    out.push_back(std::move(info));
  }
  // Two files with one task name: both rows say so, naming the other file.
  std::map<std::string, std::vector<size_t>> byName;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].error.empty()) byName[out[i].name].push_back(i);
  for (const auto& [name, rows] : byName) {
    if (rows.size() < 2) continue;
    for (size_t i : rows)
      for (size_t j : rows)
        if (i != j && out[i].error.empty())
          out[i].error = "task name '" + name + "' is also defined in " + out[j].file.string();
  }
  std::sort(out.begin(), out.end(), [](const TaskInfo& a, const TaskInfo& b) {
    return std::tie(a.family, a.name, a.file) < std::tie(b.family, b.name, b.file);
  });
  return out;
}

TaskConfig findTask(const fs::path& tasksDir, const std::string& name) {
  std::string known;
  std::optional<TaskConfig> found;
  // Every file is read: a second file defining the same name would make the choice arbitrary.
  for (const auto& f : taskFiles(tasksDir)) {
    TaskConfig c;
    try {
      c = TaskConfig::load(f, tasksDir);
    } catch (const Error& e) {
      if (f.stem() == name) throw;
      continue;
    }
    if (c.abstract) continue;
    if (c.name == name) {
      if (found)
        throw Error("task '" + name + "' is defined twice in " + tasksDir.string() + ": " + found->file.string() +
                    " and " + c.file.string() + " (rename one)");
      found = std::move(c);
      continue;
    }
    known += (known.empty() ? "" : ", ") + c.name;
  }
  if (found) return *found;
  throw Error("unknown task '" + name + "' in " + tasksDir.string() + " (known: " + known + ")");
}

Baseline Baseline::fromResults(const EvalResults& results) {
  Baseline b;
  b.logits = results.logitReference;
  for (const auto& t : results.tasks)
    if (!t.generations.empty()) b.generations[t.task] = t.generations;
  return b;
}

void Baseline::save(const fs::path& dir) const {
  fs::create_directories(dir);
  if (logits) saveLogitReference(*logits, dir / "logits.safetensors");
  std::ofstream out(dir / "generations.json");
  if (!out) throw Error("cannot write " + (dir / "generations.json").string());
  out << json(generations).dump(1);
}

Baseline Baseline::load(const fs::path& dir) {
  Baseline b;
  if (fs::exists(dir / "logits.safetensors")) b.logits = loadLogitReference(dir / "logits.safetensors");
  fs::path g = dir / "generations.json";
  if (fs::exists(g)) {
    try {
      b.generations = parseJson(readTextFile(g), g.string()).get<decltype(b.generations)>();
    } catch (const json::exception& e) {
      throw Error(g.string() + ": malformed baseline generations: " + e.what());
    }
  }
  if (!b.logits && b.generations.empty()) throw Error(dir.string() + ": no baseline (logits.safetensors / generations.json)");
  return b;
}

json EvalResults::toJson() const {
  json tasksJson = json::array();
  for (const auto& t : tasks) tasksJson.push_back(qs::toJson(t));
  return json{{"model", model},
              {"seconds", seconds},
              {"tasks", tasksJson},
              {"engine",
               {{"requests", stats.requests},
                {"requests_per_second", stats.seconds > 0 ? stats.requests / stats.seconds : 0.0},
                {"forward_calls", stats.forwardCalls},
                {"forward_tokens", stats.forwardTokens},
                {"padded_tokens", stats.paddedTokens},
                {"prefix_tokens_saved", stats.prefixTokensSaved},
                {"shared_prefix_groups", stats.sharedGroups},
                {"generated_tokens", stats.generatedTokens},
                {"seconds", stats.seconds}}}};
}

std::vector<MetricResult> EvalResults::allMetrics() const {
  std::vector<MetricResult> out;
  for (const auto& t : tasks) out.insert(out.end(), t.metrics.begin(), t.metrics.end());
  return out;
}

std::map<int64_t, DocumentPreview> previewDocuments(const fs::path& tasksDir, const fs::path& dataDir,
                                                    const std::string& task, const std::vector<int64_t>& docIndices) {
  const fs::path tasks = orDefault(tasksDir, defaultTasksDir);
  TaskSettings settings;
  settings.dataDir = orDefault(dataDir, defaultDataDir);
  TaskResolver resolver = [&](const std::string& name) { return findTask(tasks, name); };
  auto loaded = makeTask(findTask(tasks, task), settings, resolver);  // every document: no limit
  std::map<int64_t, DocumentPreview> out;
  for (int64_t i : docIndices)
    if (auto p = loaded->preview(i)) out[i] = std::move(*p);
  return out;
}

EvalResults evaluate(LmBackend& lm, const std::vector<std::string>& taskNames, const EvalOptions& options,
                     const EvalProgressFn& progress, const CancelToken* cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path tasksDir = orDefault(options.tasksDir, defaultTasksDir);
  const fs::path dataDir = orDefault(options.dataDir, defaultDataDir);
  auto report = [&](const std::string& stage, const std::string& detail, int64_t done, int64_t total) {
    if (progress) progress(EvalProgress{stage, detail, done, total});
  };
  auto checkCancel = [&] {
    if (cancel) cancel->throwIfCancelled();
  };

  TaskSettings settings;
  settings.dataDir = dataDir;
  settings.limit = options.limit;
  settings.seed = options.seed;
  settings.bootstrapIterations = options.bootstrapIterations;
  if (!options.chatTemplate.empty()) {
    settings.chatTemplate = findChatTemplate(options.chatTemplate).name;
    settings.chatTemplateReason = "chosen by the user";
  } else {
    ChatTemplateChoice c = detectChatTemplate(lm.modelDirectory());
    settings.chatTemplate = c.name;
    settings.chatTemplateReason = c.reason;
  }
  TaskResolver resolver = [&](const std::string& name) { return findTask(tasksDir, name); };

  std::vector<std::unique_ptr<Task>> tasks;
  for (size_t i = 0; i < taskNames.size(); ++i) {
    checkCancel();
    report("loading", taskNames[i], static_cast<int64_t>(i), static_cast<int64_t>(taskNames.size()));
    tasks.push_back(makeTask(findTask(tasksDir, taskNames[i]), settings, resolver));
    if (options.baseline) {
      auto it = options.baseline->generations.find(tasks.back()->config().name);
      if (it != options.baseline->generations.end()) tasks.back()->setBaselineGenerations(it->second);
    }
  }

  RequestEngine engine(lm, options.engine);
  int rounds = 0;
  for (const auto& t : tasks) rounds = std::max(rounds, t->rounds());
  for (int round = 0; round < rounds; ++round) {
    std::vector<Request> all;
    std::vector<size_t> counts;
    for (auto& t : tasks) {
      auto r = round < t->rounds() ? t->requests(round, engine) : std::vector<Request>{};
      counts.push_back(r.size());
      all.insert(all.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
    }
    std::string detail = rounds > 1 ? "round " + std::to_string(round + 1) + " of " + std::to_string(rounds) : "";
    auto responses = engine.run(all, [&](int64_t d, int64_t n) { report("requests", detail, d, n); }, cancel);
    size_t k = 0;
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (round < tasks[i]->rounds())
        tasks[i]->accept(round, std::vector<Response>(responses.begin() + k, responses.begin() + k + counts[i]));
      k += counts[i];
    }
  }

  EvalResults results;
  results.model = lm.describe();
  if (options.judge) {
    std::vector<Request> all;
    std::vector<size_t> counts;
    for (auto& t : tasks) {
      auto r = t->judgeRequests();
      counts.push_back(r.size());
      all.insert(all.end(), r.begin(), r.end());
    }
    if (!all.empty()) {
      RequestEngine judgeEngine(*options.judge, options.judgeEngine);
      auto responses = judgeEngine.run(all, [&](int64_t d, int64_t n) { report("judge", "", d, n); }, cancel);
      size_t k = 0;
      for (size_t i = 0; i < tasks.size(); ++i) {
        if (counts[i]) tasks[i]->acceptJudge(std::vector<Response>(responses.begin() + k, responses.begin() + k + counts[i]));
        k += counts[i];
      }
    }
  }

  if (options.klDivergence) {
    checkCancel();
    report("kl", "", 0, 1);
    const fs::path text = klTextPath(options, dataDir);
    auto tokens = klTokens(engine, text, options.klMaxTokens);
    const int64_t window = std::min(options.klWindow, engine.maxLength());
    const int64_t budget = std::max(options.engine.maxBatchTokens, window);
    if (options.baseline && options.baseline->logits)
      results.tasks.push_back(compareToReference(lm, *options.baseline->logits, budget, tokens));
    else
      results.logitReference = makeLogitReference(lm, tokens, window, budget, text.filename().string());
    report("kl", "", 1, 1);
  }

  std::vector<TaskResult> scored;
  for (size_t i = 0; i < tasks.size(); ++i) {
    report("scoring", tasks[i]->config().name, static_cast<int64_t>(i), static_cast<int64_t>(tasks.size()));
    scored.push_back(tasks[i]->score());
  }
  results.tasks.insert(results.tasks.begin(), scored.begin(), scored.end());
  results.stats = engine.stats();
  results.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return results;
}

}  // namespace qs
