#pragma once
// A loaded task: its documents, the requests it needs, and its scoring. Built from a TaskConfig
// by makeTask(); the evaluator (evaluator.h) runs the requests of all tasks together.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tasks/request.h"
#include "tasks/task_config.h"
#include "tasks/task_result.h"

namespace qs {

class RequestEngine;

struct TaskSettings {
  std::filesystem::path dataDir;
  std::optional<int64_t> limit;  // deterministic seeded subsample of the documents
  uint64_t seed = 1234;
  int bootstrapIterations = 1000;
  // The chat template of tasks whose "chat" says {"template": "model"}: the user's choice or the
  // one recognised in the model's folder (detectChatTemplate); empty: the task's fallback.
  std::string chatTemplate;
  std::string chatTemplateReason;  // why it was chosen, recorded in the task's notes
};

// One document as a task presents it, for showing an item next to its answers: the rendered
// question (doc_to_text, without few-shot examples or chat template), the choices and the gold
// answer of multiple-choice tasks, the target of the others.
struct DocumentPreview {
  int64_t docIndex = -1;
  std::string where;  // file:line
  std::string id;     // the document's own id field, "" when it has none
  std::string prompt;
  std::vector<std::string> choices;
  int gold = -1;
  std::string target;
};

// Finds another task's configuration by name (fewshot_gain refers to a task).
using TaskResolver = std::function<TaskConfig(const std::string& name)>;

class Task {
 public:
  virtual ~Task() = default;
  virtual const TaskConfig& config() const = 0;
  virtual size_t documentCount() const = 0;
  // Dialogue tasks need one round per turn; each round sees the previous rounds' answers.
  virtual int rounds() const { return 1; }
  virtual std::vector<Request> requests(int round, const RequestEngine& engine) = 0;
  virtual void accept(int round, const std::vector<Response>& responses) = 0;
  // Requests for a judge model (after all rounds); empty when the task has no judge.
  virtual std::vector<Request> judgeRequests() { return {}; }
  virtual void acceptJudge(const std::vector<Response>& responses) {}
  // The unquantized model's generations, keyed like TaskResult::generations.
  virtual void setBaselineGenerations(const std::map<std::string, std::vector<std::string>>& outputs) {}
  virtual TaskResult score() const = 0;
  // The loaded document with this index (its position in the data before --limit); nullopt when
  // it was not loaded or the task has no documents of its own (concatenated perplexity windows,
  // derived tasks).
  virtual std::optional<DocumentPreview> preview(int64_t docIndex) const { return std::nullopt; }
};

// Loads the documents (data files, hooks, limit). Throws qs::Error naming file, line and field.
std::unique_ptr<Task> makeTask(const TaskConfig& config, const TaskSettings& settings, const TaskResolver& resolver);

}  // namespace qs
