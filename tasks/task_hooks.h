#pragma once
// C++ hooks that task files name for what a template cannot express, in one registry each:
//   doc hooks      rewrite one document (HellaSwag cleanup, MMLU subject, GSM8K answer ...)
//   dataset hooks  rewrite or generate the document list (wikitext articles, key positions,
//                  LongEval test cases of any length)
//   text filters   turn a generated answer into what is compared (last number, first line ...)
//   metrics        per-document metric functions with their default aggregation
// The built-in hooks (builtin_hooks.cpp) are registered on first use of any registry.
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tasks/document.h"
#include "tasks/metrics.h"
#include "tasks/request.h"

namespace qs {

struct TaskConfig;

// What a metric function sees of one scored document.
struct ScoredDoc {
  const TaskConfig* config = nullptr;
  const nlohmann::json* doc = nullptr;
  std::string prompt;                // the rendered doc_to_text (without few-shot examples)
  std::vector<std::string> choices;  // multiple choice
  int gold = -1;
  std::vector<Response> responses;   // one per request of the document (per choice for MC)
  std::vector<std::string> outputs;  // generations after output filters, one per turn
  std::string target;                // rendered doc_to_target
  std::optional<double> judgeScore;  // dialogue, when a judge ran
  std::optional<std::vector<std::string>> baselineOutputs;  // the unquantized model's outputs
};

using DocHook = std::function<void(nlohmann::json& doc, const TaskConfig& config)>;
using DatasetHook = std::function<std::vector<Document>(std::vector<Document> docs, const TaskConfig& config)>;
using TextFilter = std::function<std::string(const std::string& text)>;
// nullopt: the document does not contribute to this metric (e.g. no judge score).
using MetricFn = std::function<std::optional<Sample>(const ScoredDoc& doc)>;

struct MetricInfo {
  MetricFn fn;
  std::string aggregation = "mean";
  bool higherIsBetter = true;
};

void registerDocHook(const std::string& name, DocHook hook);
void registerDatasetHook(const std::string& name, DatasetHook hook);
void registerTextFilter(const std::string& name, TextFilter filter);
void registerMetric(const std::string& name, MetricInfo info);

// nullptr when unknown.
const DocHook* findDocHook(const std::string& name);
const DatasetHook* findDatasetHook(const std::string& name);
const TextFilter* findTextFilter(const std::string& name);
const MetricInfo* findMetric(const std::string& name);

// "a, b, c" for error messages. kind: "doc", "dataset", "filter", "metric".
std::string hookNames(const std::string& kind);

// Defined in builtin_hooks.cpp; called once by the registries.
void registerBuiltinHooks();
// IFEval's metrics (instruction_following_metrics.cpp); called by registerBuiltinHooks.
void registerInstructionFollowingMetrics();

// Shared helpers, exposed for tests.
std::string lastNumber(const std::string& text);            // "... is 1,234." -> "1234"; "" if none
std::string wikitextDetokenize(const std::string& text);    // lm-evaluation-harness's detokenizer
int64_t countWordsLikeRegexSplit(const std::string& text);  // len(re.split(r"\s+", text))
std::string hellaswagPreprocess(const std::string& text);
double rougeLF1(const std::string& a, const std::string& b);  // over whitespace-separated words

}  // namespace qs
