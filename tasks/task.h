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
};

// Loads the documents (data files, hooks, limit). Throws qs::Error naming file, line and field.
std::unique_ptr<Task> makeTask(const TaskConfig& config, const TaskSettings& settings, const TaskResolver& resolver);

}  // namespace qs
