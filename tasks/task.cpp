#include "tasks/task.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "core/base/error.h"
#include "tasks/chat_template.h"
#include "tasks/json_path.h"
#include "tasks/metrics.h"
#include "tasks/request_engine.h"
#include "tasks/task_hooks.h"

namespace qs {
namespace {

// What every task's result states about the task itself, whatever its kind.
TaskResult resultHeader(const TaskConfig& cfg, const std::string& outputType, int64_t documents) {
  TaskResult r;
  r.task = cfg.name;
  r.family = cfg.family;
  r.kind = cfg.kind;
  r.protocol = cfg.protocol;
  r.outputType = outputType;
  r.version = cfg.version;
  r.documents = documents;
  return r;
}

namespace fs = std::filesystem;
using nlohmann::json;

std::string textOf(const json& v, const std::string& what) { return jsonScalarText(v, what); }

// A chat format: how a conversation becomes one prompt string for a base or chat model. Either a
// named template (chat_template.h) or the task file's own system / user / assistant templates.
struct ChatFormat {
  std::string system;
  PromptTemplate systemFormat, user, assistant, assistantPrefix;
  std::optional<ChatTemplate> named;
  std::string note;  // which named template was used and why

  static ChatFormat from(const json& j, const std::string& where, const TaskSettings& settings = {}) {
    ChatFormat f;
    if (j.contains("template")) {
      std::string name = j["template"].get<std::string>();
      std::string why = "set by the task file";
      if (name == "model") {
        name = settings.chatTemplate;
        why = settings.chatTemplateReason;
        if (name.empty()) {
          name = j.value("fallback", std::string("plain"));
          why = "the task's fallback: nothing in the model folder names a template";
        }
      }
      f.named = findChatTemplate(name);
      f.system = j.value("system", "");
      f.note = "chat template: " + name + " (" + why + ")";
      return f;
    }
    auto tpl = [&](const char* key, const char* fallback) {
      std::string text = j.contains(key) ? j.at(key).get<std::string>() : fallback;
      return PromptTemplate::parse(text, where + ": chat." + key);
    };
    f.system = j.value("system", "");
    f.systemFormat = tpl("system_format", "{system}\n\n");
    f.user = tpl("user", "{content}");
    f.assistant = tpl("assistant", "{content}");
    f.assistantPrefix = tpl("assistant_prefix", "");
    return f;
  }

  // history: (user, assistant) pairs already exchanged; `next` is the user turn to answer.
  std::string render(const std::vector<std::pair<std::string, std::string>>& history, const std::string& next,
                     const std::string& systemOverride = "") const {
    if (named) return named->render(history, next, systemOverride.empty() ? system : systemOverride);
    std::string sys = systemOverride.empty() ? system : systemOverride;
    std::string out = sys.empty() ? "" : systemFormat.render(json{{"system", sys}});
    for (const auto& [u, a] : history) {
      out += user.render(json{{"content", u}});
      out += assistant.render(json{{"content", a}});
    }
    out += user.render(json{{"content", next}});
    out += assistantPrefix.render(json::object());
    return out;
  }
};

// The document's own identifier, when it has one of the usual fields.
std::string documentId(const json& doc) {
  for (const char* field : {"id", "doc_id", "question_id", "task_id", "idx"}) {
    auto it = doc.find(field);
    if (it != doc.end() && (it->is_string() || it->is_number())) return it->is_string() ? it->get<std::string>() : it->dump();
  }
  return "";
}

struct Unit {
  json doc;
  std::string key;    // stable identity for baseline generations
  std::string where;  // file:line for error messages
  std::string prompt; // rendered doc_to_text
  std::vector<std::string> choices;
  int gold = -1;
  std::string target;
  std::vector<std::string> turns;  // dialogue user turns
  std::vector<Response> responses;
  std::vector<std::string> rawOutputs;  // generations as produced (fed back into later turns)
  std::vector<std::string> outputs;     // after output filters
  std::vector<double> judgeRatings;     // one per judged turn; NaN when unparseable
};

class ConfigTask : public Task {
 public:
  ConfigTask(TaskConfig config, TaskSettings settings) : cfg_(std::move(config)), settings_(std::move(settings)) {
    if (!cfg_.chat.empty() || !cfg_.turnsPath.empty()) {
      chat_ = ChatFormat::from(cfg_.chat, cfg_.file.string(), settings_);
      if (!chat_->note.empty()) notes_.push_back(chat_->note);
      for (const auto& s : chat_->named ? chat_->named->stops : std::vector<std::string>{})
        if (std::find(cfg_.until.begin(), cfg_.until.end(), s) == cfg_.until.end()) cfg_.until.push_back(s);
    }
    loadDocuments();
    if (!cfg_.judge.is_null()) loadJudge();
  }

  const TaskConfig& config() const override { return cfg_; }
  size_t documentCount() const override { return units_.size(); }
  int rounds() const override {
    if (cfg_.turnsPath.empty()) return 1;
    size_t r = 1;
    for (const auto& u : units_) r = std::max(r, u.turns.size());
    return static_cast<int>(r);
  }

  std::vector<Request> requests(int round, const RequestEngine& engine) override {
    std::vector<Request> out;
    if (cfg_.output == OutputType::RollingLoglikelihood && cfg_.rolling.protocol == "concatenated") {
      if (round == 0) buildConcatenatedWindows(engine, out);
      return out;
    }
    for (size_t i = 0; i < units_.size(); ++i) {
      Unit& u = units_[i];
      if (round == 0) requestsFor(i, u, out);
      else if (static_cast<size_t>(round) < u.turns.size()) out.push_back(generation(dialoguePrompt(u, round)));
    }
    requestCount_ += static_cast<int64_t>(out.size());
    return out;
  }

  void accept(int round, const std::vector<Response>& responses) override {
    size_t k = 0;
    for (auto& u : units_) {
      size_t want = round == 0 ? requestsPerUnit(u) : (static_cast<size_t>(round) < u.turns.size() ? 1 : 0);
      for (size_t j = 0; j < want; ++j) {
        const Response& r = responses.at(k++);
        u.responses.push_back(r);
        if (cfg_.output == OutputType::GenerateUntil) {
          u.rawOutputs.push_back(r.text);
          u.outputs.push_back(applyFilters(r.text));
        }
      }
    }
    if (k != responses.size()) throw Error(cfg_.name + ": internal error: response count mismatch");
  }

  std::vector<Request> judgeRequests() override;
  void acceptJudge(const std::vector<Response>& responses) override;

  void setBaselineGenerations(const std::map<std::string, std::vector<std::string>>& outputs) override {
    baseline_ = outputs;
  }

  TaskResult score() const override;

  std::optional<DocumentPreview> preview(int64_t docIndex) const override {
    if (cfg_.output == OutputType::RollingLoglikelihood && cfg_.rolling.protocol == "concatenated") return std::nullopt;
    for (const auto& u : units_) {
      if (u.doc.value("_index", int64_t(-1)) != docIndex) continue;
      DocumentPreview p;
      p.docIndex = docIndex;
      p.where = u.where;
      p.id = documentId(u.doc);
      p.prompt = u.prompt;
      p.choices = u.choices;
      p.gold = u.gold;
      p.target = u.target;
      return p;
    }
    return std::nullopt;
  }

  // Per-document values of one metric (nullopt where the document does not contribute).
  std::vector<std::optional<Sample>> samples(const std::string& metricName) const;
  // The per-item records, given every metric's samples (in cfg_.metrics order).
  std::vector<ItemRecord> items(const std::vector<std::vector<std::optional<Sample>>>& perMetric) const;

 private:
  void loadDocuments();
  void prepareUnit(Unit& u) const;
  void requestsFor(size_t index, Unit& u, std::vector<Request>& out);
  size_t requestsPerUnit(const Unit& u) const {
    switch (cfg_.output) {
      case OutputType::MultipleChoice: return u.choices.size();
      default: return 1;
    }
  }
  // `ownText` replaces the document's rendered doc_to_text (a per-choice context).
  std::string fullPrompt(size_t index, const Unit& u, const std::string* ownText = nullptr);
  std::string goldContext(const json& ex, const std::string& where) const;
  std::string fewshotContext(size_t index, const Unit& u);
  const std::vector<Document>& fewshotPool(const Unit& u);
  std::string fewshotTarget(const json& ex, const std::string& where) const;
  Request generation(const std::string& prompt) const {
    Request r;
    r.type = RequestType::GenerateUntil;
    r.context = prompt;
    r.until = cfg_.until;
    r.maxNewTokens = cfg_.maxTokens;
    return r;
  }
  std::string dialoguePrompt(const Unit& u, int round) const {
    std::vector<std::pair<std::string, std::string>> history;
    for (int t = 0; t < round; ++t) history.emplace_back(u.turns[t], u.rawOutputs.at(t));
    return chat_->render(history, u.turns[round]);
  }
  std::string applyFilters(const std::string& text) const {
    std::string s = text;
    for (const auto& f : cfg_.outputFilters) s = (*findTextFilter(f))(s);
    return s;
  }
  void buildConcatenatedWindows(const RequestEngine& engine, std::vector<Request>& out);
  void loadJudge();
  ScoredDoc scoredDoc(const Unit& u) const;
  // One sample per group of documents for a grouped metric (MetricSpec::group*).
  std::vector<Sample> groupSamples(const MetricSpec& m, const std::vector<std::optional<Sample>>& s) const;
  std::vector<Document> applyHooks(std::vector<Document> docs) const;

  TaskConfig cfg_;
  TaskSettings settings_;
  std::optional<ChatFormat> chat_;
  std::vector<Unit> units_;
  std::map<std::string, std::vector<Document>> pools_;
  std::vector<json> allDocs_;  // every document before the limit (few-shot from the evaluation set)
  std::map<std::string, std::vector<std::string>> baseline_;
  std::map<std::string, std::vector<std::string>> references_;  // judge reference answers
  std::optional<ChatFormat> judgeChat_;
  int64_t requestCount_ = 0;
  std::vector<std::string> notes_;
  bool judged_ = false;
};

std::vector<Document> ConfigTask::applyHooks(std::vector<Document> docs) const {
  for (auto& d : docs) {
    for (const auto& name : cfg_.docHooks) {
      try {
        (*findDocHook(name))(d.fields, cfg_);
      } catch (const Error& e) {
        throw Error(d.where() + ": doc hook '" + name + "' (task " + cfg_.name + "): " + e.what());
      } catch (const json::exception& e) {
        throw Error(d.where() + ": doc hook '" + name + "' (task " + cfg_.name + "): " + e.what());
      }
    }
  }
  return docs;
}

void ConfigTask::loadDocuments() {
  std::vector<Document> docs;
  if (!cfg_.data.files.empty()) docs = readDocuments(cfg_.data, settings_.dataDir);
  if (!cfg_.datasetHook.empty()) {
    try {
      docs = (*findDatasetHook(cfg_.datasetHook))(std::move(docs), cfg_);
    } catch (const json::exception& e) {
      throw Error(cfg_.file.string() + ": dataset hook '" + cfg_.datasetHook + "': " + e.what());
    }
  }
  docs = applyHooks(std::move(docs));
  if (cfg_.fewshot.count > 0)
    for (size_t i = 0; i < docs.size(); ++i) {
      allDocs_.push_back(docs[i].fields);
      allDocs_.back()["_index"] = static_cast<int64_t>(i);
    }
  std::vector<size_t> keep(docs.size());
  std::iota(keep.begin(), keep.end(), 0);
  if (settings_.limit && *settings_.limit >= 0) keep = seededSubsample(docs.size(), static_cast<size_t>(*settings_.limit), settings_.seed);
  for (size_t i : keep) {
    Unit u;
    u.doc = docs[i].fields;
    u.doc["_index"] = static_cast<int64_t>(i);
    u.where = docs[i].where();
    u.key = std::to_string(i) + "@" + u.where;
    prepareUnit(u);
    units_.push_back(std::move(u));
  }
}

void ConfigTask::prepareUnit(Unit& u) const {
  auto fail = [&](const std::string& field, const std::string& what) {
    throw Error(u.where + ": field '" + field + "' (task " + cfg_.name + "): " + what);
  };
  try {
    if (!cfg_.turnsPath.empty()) {
      auto turns = resolveJsonPath(u.doc, cfg_.turnsPath);
      if (!turns || !turns->is_array() || turns->empty()) fail(cfg_.turnsPath, "missing or not a non-empty list of turns");
      for (const auto& t : *turns) u.turns.push_back(textOf(t, "a turn"));
      u.prompt = u.turns[0];
    } else {
      u.prompt = cfg_.text.render(u.doc);
    }
    if (!cfg_.target.empty()) u.target = cfg_.target.render(u.doc);
  } catch (const Error& e) {
    throw Error(u.where + ": " + e.what());
  }
  if (cfg_.output != OutputType::MultipleChoice) return;
  // With per-choice contexts the contexts are what differs between choices; lm-eval's acc_norm
  // then divides by their length too.
  const std::string& listPath = cfg_.perChoiceContext() ? cfg_.choiceContextsPath : cfg_.choicesPath;
  const auto& templates = cfg_.perChoiceContext() ? cfg_.choiceContextTemplates : cfg_.choiceTemplates;
  if (!listPath.empty()) {
    auto ch = resolveJsonPath(u.doc, listPath);
    if (!ch || !ch->is_array() || ch->empty()) fail(listPath, "missing or not a non-empty list of choices");
    for (const auto& c : *ch) u.choices.push_back(textOf(c, "field '" + listPath + "' element"));
  } else {
    for (const auto& t : templates) {
      try {
        u.choices.push_back(t.render(u.doc));
      } catch (const Error& e) {
        throw Error(u.where + ": " + e.what());
      }
    }
  }
  auto gold = resolveJsonPath(u.doc, cfg_.goldPath);
  if (!gold) fail(cfg_.goldPath, "missing (the gold answer)");
  std::vector<std::string> labels = cfg_.choiceLabels;
  if (!cfg_.choiceLabelsPath.empty()) {
    auto l = resolveJsonPath(u.doc, cfg_.choiceLabelsPath);
    if (!l || !l->is_array()) fail(cfg_.choiceLabelsPath, "missing or not a list of labels");
    labels.clear();
    for (const auto& x : *l) labels.push_back(textOf(x, "a choice label"));
  }
  if (gold->is_number_integer()) {
    u.gold = gold->get<int>();
  } else {
    std::string g = textOf(*gold, "field '" + cfg_.goldPath + "'");
    auto it = std::find(labels.begin(), labels.end(), g);
    if (it != labels.end()) u.gold = static_cast<int>(it - labels.begin());
    else if (!g.empty() && g.find_first_not_of("0123456789") == std::string::npos) u.gold = std::stoi(g);
    else fail(cfg_.goldPath, "'" + g + "' is neither a choice label nor an index");
  }
  if (u.gold < 0 || u.gold >= static_cast<int>(u.choices.size()))
    fail(cfg_.goldPath, "answer index " + std::to_string(u.gold) + " is outside the " +
                            std::to_string(u.choices.size()) + " choices");
}

std::string ConfigTask::fewshotTarget(const json& ex, const std::string& where) const {
  try {
    if (!cfg_.fewshot.target.empty()) return cfg_.fewshot.target.render(ex);
    if (cfg_.output == OutputType::MultipleChoice) {
      // The example's gold choice text, computed like a document's.
      Unit u;
      u.doc = ex;
      u.where = where;
      prepareUnit(u);
      return cfg_.perChoiceContext() ? u.target : u.choices[u.gold];
    }
    return cfg_.target.render(ex);
  } catch (const Error& e) {
    throw Error(where + ": few-shot example: " + e.what());
  }
}

const std::vector<Document>& ConfigTask::fewshotPool(const Unit& u) {
  const FewshotSpec& f = cfg_.fewshot;
  std::string key = "<inline>";
  DataSpec spec;
  if (f.source) {
    spec = *f.source;
    for (auto& file : spec.files) file = PromptTemplate::parse(file, cfg_.file.string() + ": fewshot.source").render(u.doc);
    key.clear();
    for (const auto& file : spec.files) key += file + ";";
  }
  auto it = pools_.find(key);
  if (it != pools_.end()) return it->second;
  std::vector<Document> pool;
  if (f.source) {
    spec.optional = true;
    pool = applyHooks(readDocuments(spec, settings_.dataDir));
  }
  if (pool.empty())
    for (size_t i = 0; i < f.examples.size(); ++i) {
      Document d;
      d.file = cfg_.file.string() + ": fewshot.examples[" + std::to_string(i) + "]";
      d.fields = f.examples[i];
      pool.push_back(std::move(d));
    }
  return pools_.emplace(key, std::move(pool)).first->second;
}

std::string ConfigTask::fewshotContext(size_t index, const Unit& u) {
  const FewshotSpec& f = cfg_.fewshot;
  if (f.count <= 0) return "";
  const std::vector<Document>* pool = &fewshotPool(u);
  bool fromEvalSet = pool->empty();
  // Without a few-shot split: other documents of the whole evaluation set (before --limit).
  const int64_t self = u.doc.value("_index", int64_t(-1));
  std::vector<const json*> candidates;
  if (fromEvalSet) {
    candidates.reserve(allDocs_.size());
    for (size_t i = 0; i < allDocs_.size(); ++i)
      if (static_cast<int64_t>(i) != self) candidates.push_back(&allDocs_[i]);
  } else {
    for (const auto& d : *pool) candidates.push_back(&d.fields);
  }
  std::vector<size_t> pick;
  size_t k = std::min<size_t>(f.count, candidates.size());
  if (f.sampler == "first_n") {
    for (size_t i = 0; i < k; ++i) pick.push_back(i);
  } else {
    std::mt19937_64 rng(f.seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(self + 1));
    std::set<size_t> seen;
    while (pick.size() < k) {
      size_t j = rng() % candidates.size();
      if (seen.insert(j).second) pick.push_back(j);
    }
  }
  std::string out;
  for (size_t i : pick) {
    const json& ex = *candidates[i];
    std::string where = cfg_.name + " few-shot example " + std::to_string(i);
    std::string text;
    try {
      text = cfg_.perChoiceContext() ? goldContext(ex, where) : cfg_.text.render(ex);
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    out += text + cfg_.targetDelimiter + fewshotTarget(ex, where) + f.separator;
  }
  return out;
}

std::string ConfigTask::goldContext(const json& ex, const std::string& where) const {
  Unit u;
  u.doc = ex;
  u.where = where;
  prepareUnit(u);
  return u.choices[u.gold];
}

std::string ConfigTask::fullPrompt(size_t index, const Unit& u, const std::string* ownText) {
  std::string prompt;
  try {
    if (!cfg_.description.empty()) prompt += cfg_.description.render(u.doc);
  } catch (const Error& e) {
    throw Error(u.where + ": " + e.what());
  }
  prompt += fewshotContext(index, u) + (ownText ? *ownText : u.prompt);
  if (chat_) prompt = chat_->render({}, prompt);
  return prompt;
}

void ConfigTask::requestsFor(size_t index, Unit& u, std::vector<Request>& out) {
  switch (cfg_.output) {
    case OutputType::MultipleChoice: {
      if (cfg_.perChoiceContext()) {  // partial scoring: the shared continuation after each context
        for (const auto& c : u.choices) {
          Request r;
          r.context = fullPrompt(index, u, &c);
          r.continuation = cfg_.targetDelimiter + u.target;
          out.push_back(std::move(r));
        }
        return;
      }
      std::string ctx = fullPrompt(index, u);
      for (const auto& c : u.choices) {
        Request r;
        r.context = ctx;
        r.continuation = cfg_.targetDelimiter + c;
        out.push_back(std::move(r));
      }
      return;
    }
    case OutputType::Loglikelihood: {
      Request r;
      r.context = fullPrompt(index, u);
      r.continuation = cfg_.targetDelimiter + u.target;
      out.push_back(std::move(r));
      return;
    }
    case OutputType::RollingLoglikelihood: {
      Request r;
      r.type = RequestType::RollingLoglikelihood;
      r.context = u.prompt;
      out.push_back(std::move(r));
      return;
    }
    case OutputType::GenerateUntil:
      out.push_back(generation(u.turns.empty() ? fullPrompt(index, u) : dialoguePrompt(u, 0)));
      return;
  }
}

void ConfigTask::buildConcatenatedWindows(const RequestEngine& engine, std::vector<Request>& out) {
  std::string joined;
  for (size_t i = 0; i < units_.size(); ++i) joined += (i ? cfg_.rolling.join : "") + units_[i].prompt;
  auto& lm = const_cast<RequestEngine&>(engine).backend();
  std::vector<int> ids = engine.contextTokens(joined);  // BOS once at the start, per the BOS policy
  const int64_t L = std::min<int64_t>(cfg_.rolling.window, engine.maxLength());
  const int64_t windows = static_cast<int64_t>(ids.size()) / L;
  std::vector<Unit> units;
  for (int64_t w = 0; w < windows; ++w) {
    std::vector<int> win(ids.begin() + w * L, ids.begin() + (w + 1) * L);
    Unit u;
    std::string text = lm.decode(win);
    u.doc = json{{"_window", w}, {"_words", static_cast<double>(countWordsLikeRegexSplit(text))},
                 {"_bytes", static_cast<double>(text.size())}};
    u.where = cfg_.name + " window " + std::to_string(w);
    u.key = u.where;
    u.prompt = text;
    Request r;
    r.pretokenized = true;
    r.contextIds.assign(win.begin(), win.begin() + 1);
    r.continuationIds.assign(win.begin() + 1, win.end());
    out.push_back(std::move(r));
    units.push_back(std::move(u));
  }
  notes_.push_back("concatenated protocol: " + std::to_string(ids.size()) + " tokens, " + std::to_string(windows) +
                   " windows of " + std::to_string(L) + ", " + std::to_string(ids.size() - windows * L) +
                   " tokens dropped; word counts are of the decoded windows");
  units_ = std::move(units);
  requestCount_ += static_cast<int64_t>(out.size());
}

void ConfigTask::loadJudge() {
  const json& j = cfg_.judge;
  judgeChat_ = ChatFormat::from(j.value("chat", json::object()), cfg_.file.string() + ": judge");
  if (j.contains("reference")) {
    const json& ref = j["reference"];
    DataSpec spec = DataSpec::fromJson(ref.at("data"), cfg_.file.string() + ": judge.reference.data");
    spec.optional = true;
    std::string keyField = ref.value("key", "question_id");
    std::string turnsPath = ref.value("turns", "choices[0].turns");
    for (const auto& d : readDocuments(spec, settings_.dataDir)) {
      auto k = resolveJsonPath(d.fields, keyField);
      auto t = resolveJsonPath(d.fields, turnsPath);
      if (!k || !t || !t->is_array()) throw Error(d.where() + ": judge reference needs '" + keyField + "' and '" + turnsPath + "'");
      std::vector<std::string> turns;
      for (const auto& x : *t) turns.push_back(textOf(x, "a reference turn"));
      references_[textOf(*k, keyField)] = turns;
    }
  }
}

std::vector<Request> ConfigTask::judgeRequests() {
  std::vector<Request> out;
  if (cfg_.judge.is_null()) return out;
  const json& j = cfg_.judge;
  std::string keyField = j.contains("reference") ? j["reference"].value("key", "question_id") : "question_id";
  std::string catField = j.value("category_field", "category");
  std::set<std::string> refCats;
  for (const auto& c : j.value("reference_categories", json::array())) refCats.insert(c.get<std::string>());
  const json& prompts = j.at("prompts");
  for (auto& u : units_) {
    std::vector<std::string> refs;
    auto k = resolveJsonPath(u.doc, keyField);
    std::string cat = u.doc.contains(catField) ? textOf(u.doc[catField], catField) : "";
    if (k && refCats.count(cat)) {
      auto it = references_.find(textOf(*k, keyField));
      if (it != references_.end()) refs = it->second;
    }
    for (size_t t = 0; t < u.turns.size() && t < u.rawOutputs.size(); ++t) {
      std::string which = std::string(t == 0 ? "single" : "multi") + (refs.empty() ? "" : "_ref");
      if (!prompts.contains(which)) throw Error(cfg_.file.string() + ": judge.prompts has no '" + which + "'");
      json vars{{"question", u.turns[0]}, {"answer", u.rawOutputs[0]}};
      for (size_t i = 0; i < u.turns.size(); ++i) vars["question_" + std::to_string(i + 1)] = u.turns[i];
      for (size_t i = 0; i < u.rawOutputs.size(); ++i) vars["answer_" + std::to_string(i + 1)] = u.rawOutputs[i];
      for (size_t i = 0; i < refs.size(); ++i) vars["ref_answer_" + std::to_string(i + 1)] = refs[i];
      const json& p = prompts[which];
      std::string where = cfg_.file.string() + ": judge.prompts." + which;
      std::string user = PromptTemplate::parse(p.at("template").get<std::string>(), where).render(vars);
      Request r;
      r.type = RequestType::GenerateUntil;
      r.context = judgeChat_->render({}, user, p.value("system", ""));
      r.maxNewTokens = j.value("max_tokens", 256);
      for (const auto& s : j.value("until", json::array())) r.until.push_back(s.get<std::string>());
      out.push_back(std::move(r));
    }
  }
  return out;
}

void ConfigTask::acceptJudge(const std::vector<Response>& responses) {
  size_t k = 0;
  const TextFilter* filter = findTextFilter(cfg_.judge.value("output_filter", "judge_rating"));
  for (auto& u : units_) {
    size_t n = std::min(u.turns.size(), u.rawOutputs.size());
    for (size_t t = 0; t < n; ++t) {
      std::string rating = (*filter)(responses.at(k++).text);
      double v = std::nan("");
      try {
        if (!rating.empty()) v = std::stod(rating);
      } catch (const std::exception&) {
      }
      u.judgeRatings.push_back(v);
    }
  }
  judged_ = true;
}

ScoredDoc ConfigTask::scoredDoc(const Unit& u) const {
  ScoredDoc sd;
  sd.config = &cfg_;
  sd.doc = &u.doc;
  sd.prompt = u.prompt;
  sd.choices = u.choices;
  sd.gold = u.gold;
  sd.responses = u.responses;
  sd.outputs = u.outputs;
  sd.target = u.target;
  std::vector<double> valid;
  for (double r : u.judgeRatings)
    if (std::isfinite(r)) valid.push_back(r);
  if (!valid.empty()) sd.judgeScore = std::accumulate(valid.begin(), valid.end(), 0.0) / static_cast<double>(valid.size());
  auto it = baseline_.find(u.key);
  if (it != baseline_.end()) sd.baselineOutputs = it->second;
  return sd;
}

std::vector<std::optional<Sample>> ConfigTask::samples(const std::string& metricName) const {
  const MetricSpec* spec = nullptr;
  for (const auto& m : cfg_.metrics)
    if (m.name == metricName) spec = &m;
  if (!spec) throw Error(cfg_.name + " has no metric '" + metricName + "'");
  const MetricInfo* info = findMetric(spec->function);
  std::vector<std::optional<Sample>> out;
  for (const auto& u : units_) {
    try {
      out.push_back(info->fn(scoredDoc(u)));
    } catch (const Error& e) {
      throw Error(u.where + ": metric '" + spec->name + "': " + e.what());
    } catch (const json::exception& e) {
      throw Error(u.where + ": metric '" + spec->name + "': " + e.what());
    }
  }
  return out;
}

std::vector<Sample> ConfigTask::groupSamples(const MetricSpec& m, const std::vector<std::optional<Sample>>& s) const {
  // key -> (documents seen, all of them scored 1)
  std::map<std::string, std::pair<int, bool>> groups;
  std::vector<std::string> order;
  for (size_t i = 0; i < units_.size(); ++i) {
    if (!s[i]) continue;
    std::string key;
    if (m.groupSize > 0) {
      key = std::to_string(units_[i].doc.value("_index", int64_t(0)) / m.groupSize);
    } else {
      auto v = resolveJsonPath(units_[i].doc, m.groupField);
      if (!v) throw Error(units_[i].where + ": metric '" + m.name + "': no field '" + m.groupField + "' to group by");
      key = v->is_string() ? v->get<std::string>() : v->dump();
    }
    auto [it, fresh] = groups.emplace(key, std::make_pair(0, true));
    if (fresh) order.push_back(key);
    it->second.first += 1;
    it->second.second = it->second.second && s[i]->value == 1.0;
  }
  std::vector<Sample> out;
  for (const auto& key : order) {
    const auto& [count, allCorrect] = groups[key];
    if (m.groupSize > 0 && count != m.groupSize) continue;  // cut by --limit or a short file end
    out.push_back(Sample{allCorrect ? 1.0 : 0.0});
  }
  return out;
}

// Groups sorted numerically when every key is a number, else lexically.
std::vector<std::string> sortedKeys(const std::map<std::string, std::vector<Sample>>& groups) {
  std::vector<std::string> keys;
  bool numeric = true;
  for (const auto& [k, v] : groups) {
    keys.push_back(k);
    char* end = nullptr;
    std::strtod(k.c_str(), &end);
    if (k.empty() || *end != '\0') numeric = false;
  }
  if (numeric)
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return std::stod(a) < std::stod(b); });
  return keys;
}

std::vector<ItemRecord> ConfigTask::items(const std::vector<std::vector<std::optional<Sample>>>& perMetric) const {
  std::vector<ItemRecord> out;
  out.reserve(units_.size());
  for (size_t i = 0; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    ItemRecord it;
    it.item = static_cast<int64_t>(i);
    it.docIndex = u.doc.contains("_window") ? u.doc["_window"].get<int64_t>() : u.doc.value("_index", int64_t(i));
    it.docId = documentId(u.doc);
    json values = json::object();
    for (size_t m = 0; m < cfg_.metrics.size(); ++m)
      if (perMetric[m][i]) values[cfg_.metrics[m].name] = perMetric[m][i]->value;
    it.metrics = values.dump();
    if (!perMetric.empty() && perMetric[0][i]) it.score = perMetric[0][i]->value;
    if (cfg_.output != OutputType::GenerateUntil)
      for (const auto& r : u.responses) {
        it.loglikelihoods.push_back(r.logprob);
        it.greedy.push_back(r.greedy);
      }
    for (const auto& r : u.responses) it.tokens += r.tokens;
    if (cfg_.output == OutputType::MultipleChoice && !it.loglikelihoods.empty()) {
      it.chosen = static_cast<int>(std::max_element(it.loglikelihoods.begin(), it.loglikelihoods.end()) -
                                   it.loglikelihoods.begin());
      it.gold = u.gold;
    }
    it.outputs = u.rawOutputs;
    out.push_back(std::move(it));
  }
  return out;
}

TaskResult ConfigTask::score() const {
  TaskResult r = resultHeader(cfg_, outputTypeName(cfg_.output), static_cast<int64_t>(units_.size()));
  r.requests = requestCount_;
  r.notes = notes_;
  std::vector<std::vector<std::optional<Sample>>> perMetric;
  for (const auto& m : cfg_.metrics) perMetric.push_back(samples(m.name));
  r.items = items(perMetric);
  for (size_t mi = 0; mi < cfg_.metrics.size(); ++mi) {
    const MetricSpec& m = cfg_.metrics[mi];
    const auto& s = perMetric[mi];
    std::vector<Sample> all;
    for (const auto& x : s)
      if (x) all.push_back(*x);
    auto add = [&](const std::string& breakdown, const Estimate& e) {
      r.metrics.push_back(MetricResult{cfg_.name, m.name, breakdown, e.value, e.stderr, e.n, m.higherIsBetter});
    };
    if (all.empty()) {
      if (m.function == "judge_score") r.notes.push_back(m.name + ": not computed (" + (judged_ ? "no judge rating could be parsed" : "no judge model given") + ")");
      else if (m.function.rfind("agreement", 0) == 0) r.notes.push_back(m.name + ": not computed (no baseline generations for these documents)");
      else r.notes.push_back(m.name + ": no document contributes");
      continue;
    }
    auto groupBy = [&](const std::string& field) {
      std::map<std::string, std::vector<Sample>> groups;
      for (size_t i = 0; i < units_.size(); ++i) {
        if (!s[i]) continue;
        auto v = resolveJsonPath(units_[i].doc, field);
        groups[v ? (v->is_string() ? v->get<std::string>() : v->dump()) : "?"].push_back(*s[i]);
      }
      return groups;
    };
    if (m.grouped()) {
      auto g = groupSamples(m, s);
      if (g.empty()) r.notes.push_back(m.name + ": no complete group of documents");
      else add("", aggregateSamples(m.aggregation, g, settings_.seed, settings_.bootstrapIterations));
      continue;
    }
    if (!cfg_.macroAverage.empty()) {
      auto groups = groupBy(cfg_.macroAverage);
      double sum = 0, var = 0;
      for (const auto& k : sortedKeys(groups)) {
        Estimate e = aggregateSamples(m.aggregation, groups[k], settings_.seed, settings_.bootstrapIterations);
        sum += e.value;
        var += e.stderr * e.stderr;
      }
      double g = static_cast<double>(groups.size());
      add("", Estimate{sum / g, std::sqrt(var) / g, static_cast<int64_t>(all.size())});
    } else {
      add("", aggregateSamples(m.aggregation, all, settings_.seed, settings_.bootstrapIterations));
    }
    std::vector<std::string> fields = cfg_.breakdown;
    if (!cfg_.macroAverage.empty() && std::find(fields.begin(), fields.end(), cfg_.macroAverage) == fields.end())
      fields.insert(fields.begin(), cfg_.macroAverage);
    for (const auto& field : fields) {
      auto groups = groupBy(field);
      for (const auto& k : sortedKeys(groups))
        add(field + "=" + k, aggregateSamples(m.aggregation, groups[k], settings_.seed, settings_.bootstrapIterations));
    }
  }
  for (const auto& u : units_)
    if (!u.rawOutputs.empty()) r.generations[u.key] = u.rawOutputs;
  return r;
}

// Few-shot minus zero-shot of another task, paired per document.
class FewshotGainTask : public Task {
 public:
  FewshotGainTask(TaskConfig config, const TaskSettings& settings, const TaskResolver& resolver)
      : cfg_(std::move(config)) {
    std::string base = cfg_.fewshotGain["task"].get<std::string>();
    k_ = cfg_.fewshotGain["count"].get<int>();
    metric_ = cfg_.fewshotGain["metric"].get<std::string>();
    TaskConfig zero = resolver(base);
    if (!zero.fewshotGain.is_null()) throw Error(cfg_.file.string() + ": fewshot_gain task '" + base + "' is itself a gain task");
    TaskConfig few = zero;
    zero.fewshot.count = 0;
    few.fewshot.count = k_;
    zero_ = std::make_unique<ConfigTask>(zero, settings);
    few_ = std::make_unique<ConfigTask>(few, settings);
    bool hasMetric = false;
    for (const auto& m : zero.metrics) hasMetric = hasMetric || m.name == metric_;
    if (!hasMetric) throw Error(cfg_.file.string() + ": task '" + base + "' has no metric '" + metric_ + "'");
    for (const auto& m : zero.metrics)
      if (m.name == metric_) higherIsBetter_ = m.higherIsBetter;
    seed_ = settings.seed;
  }
  const TaskConfig& config() const override { return cfg_; }
  size_t documentCount() const override { return zero_->documentCount(); }
  std::vector<Request> requests(int round, const RequestEngine& engine) override {
    auto a = zero_->requests(round, engine);
    auto b = few_->requests(round, engine);
    split_ = a.size();
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  void accept(int round, const std::vector<Response>& responses) override {
    zero_->accept(round, std::vector<Response>(responses.begin(), responses.begin() + split_));
    few_->accept(round, std::vector<Response>(responses.begin() + split_, responses.end()));
  }
  TaskResult score() const override {
    TaskResult r = resultHeader(cfg_, "fewshot_gain", static_cast<int64_t>(documentCount()));
    TaskResult a = zero_->score(), b = few_->score();
    r.requests = a.requests + b.requests;
    r.items = std::move(b.items);  // the k-shot answers: what the gain is measured on
    auto sa = zero_->samples(metric_), sb = few_->samples(metric_);
    std::vector<double> diff;
    for (size_t i = 0; i < sa.size(); ++i)
      if (sa[i] && sb[i]) diff.push_back(sb[i]->value - sa[i]->value);
    const MetricResult* ma = a.find(metric_);
    const MetricResult* mb = b.find(metric_);
    std::string name = zero_->config().name;
    if (ma) r.metrics.push_back({cfg_.name, metric_ + "_0shot", "", ma->value, ma->stderr, ma->n, higherIsBetter_});
    if (mb)
      r.metrics.push_back({cfg_.name, metric_ + "_" + std::to_string(k_) + "shot", "", mb->value, mb->stderr, mb->n, higherIsBetter_});
    double mean = diff.empty() ? std::nan("") : std::accumulate(diff.begin(), diff.end(), 0.0) / static_cast<double>(diff.size());
    r.metrics.push_back({cfg_.name, metric_ + "_gain", "", mean, meanStderr(diff), static_cast<int64_t>(diff.size()), higherIsBetter_});
    r.notes.push_back("gain = " + std::to_string(k_) + "-shot minus 0-shot " + metric_ + " of " + name +
                      ", stderr of the paired per-document difference");
    return r;
  }

 private:
  TaskConfig cfg_;
  std::unique_ptr<ConfigTask> zero_, few_;
  size_t split_ = 0;
  int k_ = 5;
  std::string metric_;
  bool higherIsBetter_ = true;
  uint64_t seed_ = 0;
};

// The unweighted mean of one metric over other tasks (AdvGLUE's average over its subsets), with
// each task's value as a breakdown; stderr = sqrt(sum of squared stderrs) / k (independent tasks).
class AverageTask : public Task {
 public:
  AverageTask(TaskConfig config, const TaskSettings& settings, const TaskResolver& resolver) : cfg_(std::move(config)) {
    metric_ = cfg_.averageOf["metric"].get<std::string>();
    for (const auto& n : cfg_.averageOf["tasks"]) {
      TaskConfig part = resolver(n.get<std::string>());
      if (!part.fewshotGain.is_null() || !part.averageOf.is_null())
        throw Error(cfg_.file.string() + ": average_of task '" + part.name + "' is itself a derived task");
      bool hasMetric = false;
      for (const auto& m : part.metrics) hasMetric = hasMetric || m.name == metric_;
      if (!hasMetric) throw Error(cfg_.file.string() + ": task '" + part.name + "' has no metric '" + metric_ + "'");
      for (const auto& m : part.metrics)
        if (m.name == metric_) higherIsBetter_ = m.higherIsBetter;
      parts_.push_back(std::make_unique<ConfigTask>(part, settings));
    }
  }
  const TaskConfig& config() const override { return cfg_; }
  size_t documentCount() const override {
    size_t n = 0;
    for (const auto& p : parts_) n += p->documentCount();
    return n;
  }
  int rounds() const override {
    int r = 1;
    for (const auto& p : parts_) r = std::max(r, p->rounds());
    return r;
  }
  std::vector<Request> requests(int round, const RequestEngine& engine) override {
    std::vector<Request> all;
    counts_.clear();
    for (auto& p : parts_) {
      auto r = round < p->rounds() ? p->requests(round, engine) : std::vector<Request>{};
      counts_.push_back(r.size());
      all.insert(all.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
    }
    return all;
  }
  void accept(int round, const std::vector<Response>& responses) override {
    size_t k = 0;
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (round < parts_[i]->rounds())
        parts_[i]->accept(round, std::vector<Response>(responses.begin() + k, responses.begin() + k + counts_[i]));
      k += counts_[i];
    }
  }
  TaskResult score() const override {
    TaskResult r = resultHeader(cfg_, "average", static_cast<int64_t>(documentCount()));
    double sum = 0, var = 0;
    int64_t n = 0;
    std::vector<MetricResult> each;
    for (const auto& p : parts_) {
      TaskResult t = p->score();
      r.requests += t.requests;
      // Items of every part, their ids prefixed by the part's task so that they stay unique.
      for (auto& it : t.items) {
        it.item = static_cast<int64_t>(r.items.size());
        it.docId = t.task + ":" + (it.docId.empty() ? std::to_string(it.docIndex) : it.docId);
        r.items.push_back(std::move(it));
      }
      for (const auto& note : t.notes) r.notes.push_back(t.task + ": " + note);
      const MetricResult* m = t.find(metric_);
      if (!m) throw Error(cfg_.name + ": task '" + t.task + "' reported no '" + metric_ + "'");
      sum += m->value;
      var += m->stderr * m->stderr;
      n += m->n;
      each.push_back({cfg_.name, metric_, "task=" + t.task, m->value, m->stderr, m->n, higherIsBetter_});
    }
    const double k = static_cast<double>(parts_.size());
    r.metrics.push_back({cfg_.name, metric_, "", sum / k, std::sqrt(var) / k, n, higherIsBetter_});
    r.metrics.insert(r.metrics.end(), each.begin(), each.end());
    return r;
  }

 private:
  TaskConfig cfg_;
  std::vector<std::unique_ptr<ConfigTask>> parts_;
  std::vector<size_t> counts_;
  std::string metric_;
  bool higherIsBetter_ = true;
};

}  // namespace

std::unique_ptr<Task> makeTask(const TaskConfig& config, const TaskSettings& settings, const TaskResolver& resolver) {
  if (config.abstract) throw Error(config.file.string() + ": '" + config.name + "' is abstract (a base for other tasks)");
  if (!config.fewshotGain.is_null()) return std::make_unique<FewshotGainTask>(config, settings, resolver);
  if (!config.averageOf.is_null()) return std::make_unique<AverageTask>(config, settings, resolver);
  return std::make_unique<ConfigTask>(config, settings);
}

}  // namespace qs
