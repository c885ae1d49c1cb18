#pragma once
// A task file (resources/tasks/<family>/<task>.json), parsed and checked. Keys:
//   include            "base.json" or a list; included files are merged first (objects merge key
//                      by key, everything else is replaced), then this file's keys
//   abstract           true for base files that only exist to be included (not listed, not run)
//   name, version, kind (basic | emergent | trustworthiness | long_context | dialogue), protocol
//   data               see DataSpec (dataset_reader.h); files relative to the data directory
//   doc_hooks          names of C++ hooks that rewrite each document (task_hooks.h)
//   dataset_hook       name (or {"name", "params"}) of a hook that rewrites the document list
//   output_type        loglikelihood | multiple_choice | rolling_loglikelihood | generate_until
//   description        template prepended once, before the few-shot examples
//   doc_to_text        prompt template; doc_to_target: continuation / reference template
//   choices            list field path, or a list of templates; gold: field with the answer
//                      (index, numeric string, or one of choice_labels)
//   choice_contexts    multiple choice with one context per choice and a shared continuation
//                      (doc_to_target), as lm-eval's partial scoring (Winogrande): list field path
//                      or list of templates; replaces choices and doc_to_text
//   choice_labels      list field path or literal list (e.g. ["A","B","C","D"])
//   target_delimiter   between prompt and continuation (" ")
//   generation         {"until": [...], "max_tokens": N}; output_filters: hooks on the output
//   turns              dialogue: list field of user turns; chat: {"system","user","assistant"},
//                      or {"template": "model" | a named template (chat_template.h), "fallback"}
//   rolling            {"protocol": "per_document" | "concatenated", "window": 2048, "join": "\n\n"}
//   fewshot            {"count", "source": {data}, "examples": [...], "sampler": "first_n" |
//                      "random", "seed", "separator", "doc_to_target"}
//   metrics            [{"name", "aggregation", "higher_is_better", "function"}] or names
//   breakdown          document fields to report metrics by; macro_average: field whose groups
//                      are averaged for the headline value (MMLU subjects)
//   fewshot_gain       {"task", "count", "metric"}: few-shot minus zero-shot of another task
//   average_of         {"tasks": [...], "metric"}: the other tasks' results and their unweighted mean
//   judge              {"prompts": {...}, "rating_pattern"}: a judge model scores generations
//   params             free-form settings for hooks
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tasks/dataset_reader.h"
#include "tasks/prompt_template.h"

namespace qs {

enum class OutputType { Loglikelihood, MultipleChoice, RollingLoglikelihood, GenerateUntil };

struct MetricSpec {
  std::string name;         // reported name
  std::string function;     // per-document metric function (defaults to name)
  std::string aggregation;  // metrics.h
  bool higherIsBetter = true;
  // "group": {"size": N} or {"field": path}: one value per group of documents, 1 when every
  // document of the group scores 1 (lm-eval's ETHICS exact match); N consecutive documents of the
  // file form a group (lm-eval's group_id = row // N), and incomplete groups (after --limit) are left out.
  int groupSize = 0;
  std::string groupField;
  bool grouped() const { return groupSize > 0 || !groupField.empty(); }
};

struct FewshotSpec {
  int count = 0;
  std::optional<DataSpec> source;   // file names may hold {field} templates rendered per document
  std::vector<nlohmann::json> examples;  // inline examples, used when the source has no file
  std::string sampler = "first_n";
  uint64_t seed = 1234;
  std::string separator = "\n\n";
  PromptTemplate target;  // few-shot answer text; empty: the task's own target / gold choice
};

struct RollingSpec {
  std::string protocol = "per_document";  // or "concatenated"
  int window = 2048;                      // capped by the model's maximum length
  std::string join = "\n\n";
};

struct TaskConfig {
  std::filesystem::path file;
  std::string family;  // the folder under the tasks directory
  std::string name;
  int version = 0;
  std::string kind;
  std::string protocol;
  bool abstract = false;

  DataSpec data;
  std::vector<std::string> docHooks;
  std::string datasetHook;
  OutputType output = OutputType::MultipleChoice;

  PromptTemplate description;
  PromptTemplate text;
  PromptTemplate target;
  std::string targetDelimiter = " ";

  // multiple choice
  std::string choicesPath;                 // list field...
  std::vector<PromptTemplate> choiceTemplates;  // ...or one template per choice
  std::string choiceContextsPath;                    // per-choice contexts: list field...
  std::vector<PromptTemplate> choiceContextTemplates;  // ...or one template per choice
  bool perChoiceContext() const { return !choiceContextsPath.empty() || !choiceContextTemplates.empty(); }
  std::string goldPath;
  std::string choiceLabelsPath;
  std::vector<std::string> choiceLabels;

  // generation
  std::vector<std::string> until;
  int maxTokens = 256;
  std::vector<std::string> outputFilters;
  std::string turnsPath;  // dialogue
  nlohmann::json chat = nlohmann::json::object();

  RollingSpec rolling;
  FewshotSpec fewshot;
  std::vector<MetricSpec> metrics;
  std::vector<std::string> breakdown;
  std::string macroAverage;

  nlohmann::json fewshotGain;  // {"task", "count", "metric"} or null
  nlohmann::json averageOf;    // {"tasks": [...], "metric"} or null
  nlohmann::json judge;        // null when the task has no judge
  nlohmann::json params = nlohmann::json::object();
  nlohmann::json raw;  // the merged JSON

  // Reads and checks a task file. Throws qs::Error "file:line: field 'x': problem".
  static TaskConfig load(const std::filesystem::path& file, const std::filesystem::path& tasksDir = {});
};

std::string outputTypeName(OutputType t);
const std::vector<std::string>& taskKinds();

}  // namespace qs
