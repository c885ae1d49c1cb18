// The C++ hooks task files can name. Each is small and does one thing a template cannot.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/base/error.h"
#include "core/tokenizer/pcre_regex.h"
#include "tasks/json_path.h"
#include "tasks/longeval_generator.h"
#include "tasks/python_random.h"
#include "tasks/task_config.h"
#include "tasks/task_hooks.h"

namespace qs {
namespace {

using nlohmann::json;

// The three patterns below are scanned by hand, not with std::regex: libstdc++'s matcher recurses
// once per character a repetition consumes, so a long enough field (a hostile task file, or only a
// sanitizer's larger stack frames) overflowed the stack.

// Removes what the reference's re.sub("<<[^>]*>>", "") removes: from "<<" to the first '>', when
// that '>' starts ">>".
std::string withoutCalculatorAnnotations(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t open = s.find("<<", i);
    if (open == std::string::npos) break;
    const size_t close = s.find('>', open + 2);
    if (close != std::string::npos && close + 1 < s.size() && s[close + 1] == '>') {
      out.append(s, i, open - i);
      i = close + 2;
    } else {
      out.append(s, i, open + 1 - i);  // no match starting here: try from the next character
      i = open + 1;
    }
  }
  out.append(s, std::min(i, s.size()), std::string::npos);
  return out;
}

// Removes what re.sub("\\[.*?\\]", "") removes: '[' up to the nearest ']' on the same line ('.'
// does not match a line break).
std::string withoutBracketed(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t open = s.find('[', i);
    if (open == std::string::npos) break;
    const size_t close = s.find_first_of("]\n\r", open + 1);
    if (close != std::string::npos && s[close] == ']') {
      out.append(s, i, open - i);
      i = close + 1;
    } else {
      out.append(s, i, open + 1 - i);
      i = open + 1;
    }
  }
  out.append(s, std::min(i, s.size()), std::string::npos);
  return out;
}

// The quoted items of a Python list repr, as '((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)" finds them
// (escapes kept as written).
std::vector<std::string> quotedItems(const std::string& s) {
  std::vector<std::string> items;
  size_t i = 0;
  while (i < s.size()) {
    const char quote = s[i];
    if (quote != '\'' && quote != '"') {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < s.size() && s[j] != quote) j += (s[j] == '\\' && j + 1 < s.size()) ? 2 : 1;
    if (j < s.size()) {
      items.push_back(s.substr(i + 1, j - i - 1));
      i = j + 1;
    } else {
      ++i;  // unterminated: no match starting here
    }
  }
  return items;
}

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  size_t p = 0;
  while ((p = s.find(from, p)) != std::string::npos) {
    s.replace(p, from.size(), to);
    p += to.size();
  }
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string fieldText(const json& doc, const std::string& key) {
  if (!doc.contains(key)) throw Error("document has no field '" + key + "'");
  return jsonScalarText(doc[key], "field '" + key + "'");
}

std::optional<double> parseNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    size_t used = 0;
    double d = std::stod(s, &used);
    if (used != s.size()) return std::nullopt;
    return d;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<std::string> splitWords(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// ---- document hooks ----

void hellaswagDoc(json& doc, const TaskConfig&) {
  doc["query"] = hellaswagPreprocess(fieldText(doc, "query"));
  if (!doc.contains("endings") || !doc["endings"].is_array()) throw Error("hellaswag document has no 'endings' list");
  for (auto& e : doc["endings"]) e = hellaswagPreprocess(e.get<std::string>());
  std::string label = trim(fieldText(doc, "label"));
  if (label.empty() || label.find_first_not_of("0123456789") != std::string::npos)
    throw Error("field 'label': '" + label + "' is not an ending index");
  doc["label"] = std::stoi(label);
}

void mmluSubject(json& doc, const TaskConfig&) {
  std::string file = fieldText(doc, "_file");
  for (const char* suffix : {"_test", "_dev", "_val"}) {
    std::string s(suffix);
    if (file.size() > s.size() && file.compare(file.size() - s.size(), s.size(), s) == 0) {
      file.resize(file.size() - s.size());
      break;
    }
  }
  doc["subject"] = file;
  std::string name = file;
  std::replace(name.begin(), name.end(), '_', ' ');
  doc["subject_name"] = name;
}

void gsm8kTarget(json& doc, const TaskConfig&) {
  std::string answer = fieldText(doc, "answer");
  size_t p = answer.rfind("####");
  if (p == std::string::npos) throw Error("field 'answer': no '####' before the final answer");
  std::string num = trim(answer.substr(p + 4));
  num.erase(std::remove(num.begin(), num.end(), ','), num.end());
  doc["target_number"] = num;
  // Chain-of-thought text for few-shot use: calculator annotations removed.
  std::string cot = withoutCalculatorAnnotations(answer.substr(0, p));
  doc["cot"] = trim(cot) + "\nThe answer is " + num + ".";
}

void truthfulqaMc(json& doc, const TaskConfig&) {
  for (const char* which : {"mc1", "mc2"}) {
    std::string key = std::string(which) + "_targets";
    if (!doc.contains(key) || !doc[key].is_object()) throw Error("field '" + key + "' must be an object {answer: 0/1}");
    json choices = json::array(), labels = json::array();
    for (int want : {1, 0})  // true answers first, as the original lists them
      for (auto it = doc[key].begin(); it != doc[key].end(); ++it)
        if (it->get<int>() == want) {
          choices.push_back(it.key());
          labels.push_back(want);
        }
    doc[std::string(which) + "_choices"] = choices;
    doc[std::string(which) + "_labels"] = labels;
  }
  doc["mc1_gold"] = 0;
}

void wikitextDoc(json& doc, const TaskConfig&) {
  std::string page = fieldText(doc, "text");
  doc["page"] = page;
  doc["detok"] = wikitextDetokenize(page);
}

void lambadaSplit(json& doc, const TaskConfig&) {
  std::string text = fieldText(doc, "text");
  size_t sp = text.rfind(' ');
  if (sp == std::string::npos) throw Error("field 'text': no space before the last word");
  doc["context"] = text.substr(0, sp);
  doc["last_word"] = text.substr(sp + 1);
}

std::string positionBin(int64_t position, int64_t count, int bins = 5) {
  int b = count > 0 ? static_cast<int>(std::min<int64_t>(bins - 1, position * bins / count)) : 0;
  int w = 100 / bins;
  return std::to_string(b * w) + "-" + std::to_string((b + 1) * w) + "%";
}

void longevalLines(json& doc, const TaskConfig&) {
  if (!doc.contains("expected_number")) throw Error("document has no field 'expected_number'");
  doc["target"] = jsonScalarText(doc["expected_number"], "field 'expected_number'");
  auto idx = resolveJsonPath(doc, "random_idx[1]");
  if (!idx || !idx->is_number_integer()) throw Error("field 'random_idx' must be [name, line index]");
  int64_t n = doc.contains("num_lines") && doc["num_lines"].is_number_integer() ? doc["num_lines"].get<int64_t>() : 0;
  doc["position"] = idx->get<int64_t>();
  doc["position_bin"] = positionBin(idx->get<int64_t>(), n);
}

void longevalTopics(json& doc, const TaskConfig&) {
  if (!doc.contains("topics")) throw Error("document has no field 'topics'");
  json topics = doc["topics"];
  if (topics.is_string()) {  // a Python list repr in some files
    std::string s = topics.get<std::string>();
    topics = json::array();
    for (auto& item : quotedItems(s)) topics.push_back(std::move(item));
  }
  if (!topics.is_array() || topics.empty()) throw Error("field 'topics' must be a non-empty list");
  doc["topics"] = topics;
  doc["target"] = topics[0];
  doc["num_topics"] = static_cast<int64_t>(topics.size());
}

// Splits params.split.field at the first params.split.marker into <field>_before / <field>_after
// (Winogrande's sentence at its blank), for per-choice contexts and the shared continuation.
void splitAtMarker(json& doc, const TaskConfig& cfg) {
  const json split = cfg.params.value("split", json::object());
  const std::string field = split.value("field", std::string());
  const std::string marker = split.value("marker", std::string());
  if (field.empty() || marker.empty()) throw Error("split_at_marker needs params.split {\"field\", \"marker\"}");
  std::string text = fieldText(doc, field);
  size_t p = text.find(marker);
  if (p == std::string::npos) throw Error("field '" + field + "': no '" + marker + "' to split at");
  doc[field + "_before"] = text.substr(0, p);
  doc[field + "_after"] = text.substr(p + marker.size());
}

// ETHICS virtue rows hold "sentence [SEP] trait" in one column (split as the Hugging Face loader does).
void ethicsVirtue(json& doc, const TaskConfig&) {
  std::string scenario = fieldText(doc, "scenario");
  size_t p = scenario.find("[SEP]");
  if (p == std::string::npos) throw Error("field 'scenario': no '[SEP]' before the trait");
  doc["scenario"] = trim(scenario.substr(0, p));
  doc["trait"] = trim(scenario.substr(p + 5));
}

// ETHICS utilitarianism rows hold (more pleasant, less pleasant); lm-eval shows them in the order
// of random.Random(activity).shuffle([0, 1]) and asks whether Scenario 1 is preferable.
void ethicsUtilitarianism(json& doc, const TaskConfig&) {
  const std::string activity = fieldText(doc, "activity"), baseline = fieldText(doc, "baseline");
  std::vector<int> ordering{0, 1};
  PythonRandom(activity).shuffle(ordering);
  const std::string scenarios[2] = {activity, baseline};
  doc["scenario_1"] = scenarios[ordering[0]];
  doc["scenario_2"] = scenarios[ordering[1]];
  doc["label"] = ordering[0] == 0 ? 1 : 0;
}

// lm-eval's GLUE MNLI prompt: the hypothesis stripped, with a full stop added when it has none.
void mnliHypothesis(json& doc, const TaskConfig&) {
  std::string h = trim(fieldText(doc, "hypothesis"));
  doc["hypothesis_text"] = !h.empty() && h.back() == '.' ? h : h + ".";
}

// ---- dataset hooks ----

bool isArticleTitle(const std::string& line) {
  std::string t = trim(line);
  return t.size() > 4 && t.rfind("= ", 0) == 0 && t.compare(t.size() - 2, 2, " =") == 0 && t.rfind("= =", 0) != 0;
}

std::vector<Document> wikitextDocuments(std::vector<Document> lines, const TaskConfig& cfg) {
  std::vector<Document> out;
  std::string field = cfg.data.textField;
  for (auto& d : lines) {
    std::string line = fieldText(d.fields, field);
    if (isArticleTitle(line) || out.empty()) {
      Document a;
      a.file = d.file;
      a.line = d.line;
      a.fields = d.fields;
      a.fields[field] = line;
      out.push_back(std::move(a));
      continue;
    }
    out.back().fields[field] = out.back().fields[field].get<std::string>() + "\n" + line;
  }
  return out;
}

std::vector<Document> kvRetrievalPositions(std::vector<Document> docs, const TaskConfig& cfg) {
  std::vector<Document> out;
  for (auto& d : docs) {
    const json& f = d.fields;
    if (!f.contains("ordered_kv_records") || !f["ordered_kv_records"].is_array())
      throw Error(d.where() + ": field 'ordered_kv_records' must be a list of [key, value]");
    std::string key = fieldText(f, "key"), value = fieldText(f, "value");
    std::vector<std::pair<std::string, std::string>> others;
    for (const auto& kv : f["ordered_kv_records"]) {
      if (!kv.is_array() || kv.size() != 2) throw Error(d.where() + ": field 'ordered_kv_records' holds a non-pair");
      if (kv[0].get<std::string>() == key) continue;
      others.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
    }
    const int64_t n = static_cast<int64_t>(others.size()) + 1;
    std::vector<int64_t> positions;
    if (cfg.params.contains("positions")) {
      for (const auto& p : cfg.params["positions"]) positions.push_back(std::min<int64_t>(p.get<int64_t>(), n - 1));
    } else {
      int count = cfg.params.value("num_positions", 5);
      for (int i = 0; i < count; ++i) positions.push_back(count == 1 ? 0 : i * (n - 1) / (count - 1));
    }
    for (int64_t pos : positions) {
      auto records = others;
      records.insert(records.begin() + pos, {key, value});
      std::string js;
      for (size_t i = 0; i < records.size(); ++i) {
        js += i == 0 ? "{" : " ";
        js += "\"" + records[i].first + "\": \"" + records[i].second + "\"";
        js += i + 1 == records.size() ? "}" : ",\n";
      }
      Document v;
      v.file = d.file;
      v.line = d.line;
      v.fields = json{{"key", key}, {"value", value}, {"kv_json", js}, {"gold_position", pos}, {"num_keys", n},
                      {"_file", f.value("_file", "")}};
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::vector<int> intList(const json& params, const std::string& key, std::vector<int> fallback) {
  if (!params.contains(key)) return fallback;
  std::vector<int> out;
  if (params[key].is_number_integer()) return {params[key].get<int>()};
  for (const auto& v : params[key]) out.push_back(v.get<int>());
  return out;
}

std::vector<Document> longevalLinesGenerate(std::vector<Document>, const TaskConfig& cfg) {
  std::vector<Document> out;
  int cases = cfg.params.value("cases", 10);
  uint64_t seed = cfg.params.value("seed", 1234);
  for (int n : intList(cfg.params, "num_lines", {20, 50, 100})) {
    auto docs = generateLongEvalLines(n, cases, seed);
    out.insert(out.end(), docs.begin(), docs.end());
  }
  return out;
}

std::vector<Document> longevalTopicsGenerate(std::vector<Document> convs, const TaskConfig& cfg) {
  std::vector<Conversation> pool;
  for (const auto& d : convs) pool.push_back({fieldText(d.fields, "topic"), fieldText(d.fields, "conversation")});
  std::vector<Document> out;
  int cases = cfg.params.value("cases", 10);
  uint64_t seed = cfg.params.value("seed", 1234);
  for (int n : intList(cfg.params, "num_topics", {1, 2, 3})) {
    auto docs = generateLongEvalTopics(pool, n, cases, seed);
    out.insert(out.end(), docs.begin(), docs.end());
  }
  return out;
}

// ---- text filters ----

std::string firstLine(const std::string& s) {
  std::string t = s;
  size_t b = t.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  t = t.substr(b);
  return trim(t.substr(0, t.find('\n')));
}

std::string firstWord(const std::string& s) {
  auto words = splitWords(s);
  if (words.empty()) return "";
  std::string w = words[0];
  while (!w.empty() && std::ispunct(static_cast<unsigned char>(w.back()))) w.pop_back();
  return w;
}

std::string judgeRating(const std::string& s) {
  static const PcreRegex doubleBracketed("\\[\\[(\\d+\\.?\\d*)\\]\\]", "judge rating pattern");
  static const PcreRegex bracketed("\\[(\\d+\\.?\\d*)\\]", "judge rating pattern");
  if (auto r = doubleBracketed.firstMatch(s, 1)) return *r;
  if (auto r = bracketed.firstMatch(s, 1)) return *r;
  return "";
}

// ---- metrics ----

std::vector<double> choiceLls(const ScoredDoc& d) {
  std::vector<double> lls;
  for (const auto& r : d.responses) lls.push_back(r.logprob);
  return lls;
}

int argmaxOf(const std::vector<double>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

bool isMc(const ScoredDoc& d) { return d.config->output == OutputType::MultipleChoice; }

std::optional<Sample> accMetric(const ScoredDoc& d) {
  if (isMc(d)) return Sample{argmaxOf(choiceLls(d)) == d.gold ? 1.0 : 0.0};
  if (d.config->output == OutputType::Loglikelihood) return Sample{d.responses.at(0).greedy ? 1.0 : 0.0};
  return std::nullopt;
}

std::optional<Sample> accNormMetric(const ScoredDoc& d) {
  if (!isMc(d)) return std::nullopt;
  auto lls = choiceLls(d);
  for (size_t i = 0; i < lls.size(); ++i) lls[i] /= std::max<double>(1, static_cast<double>(d.choices[i].size()));
  return Sample{argmaxOf(lls) == d.gold ? 1.0 : 0.0};
}

std::vector<double> choiceProbs(const std::vector<double>& lls) {
  double m = *std::max_element(lls.begin(), lls.end());
  std::vector<double> p;
  double z = 0;
  for (double l : lls) z += std::exp(l - m);
  for (double l : lls) p.push_back(std::exp(l - m) / z);
  return p;
}

std::optional<Sample> eceMetric(const ScoredDoc& d) {
  if (!isMc(d)) return std::nullopt;
  auto lls = choiceLls(d);
  int pred = argmaxOf(lls);
  Sample s;
  s.value = pred == d.gold ? 1.0 : 0.0;
  s.confidence = choiceProbs(lls)[pred];
  return s;
}

std::optional<Sample> mc2Metric(const ScoredDoc& d) {
  if (!isMc(d)) return std::nullopt;
  std::string field = d.config->params.value("mc2_labels_field", "mc2_labels");
  auto labels = resolveJsonPath(*d.doc, field);
  if (!labels || !labels->is_array() || labels->size() != d.responses.size())
    throw Error("mc2 needs field '" + field + "' with one 0/1 label per choice");
  auto p = choiceProbs(choiceLls(d));
  double t = 0;
  for (size_t i = 0; i < p.size(); ++i)
    if ((*labels)[i].get<int>() == 1) t += p[i];
  return Sample{t};
}

std::optional<Sample> llMetric(const ScoredDoc& d) {
  if (d.responses.empty()) return std::nullopt;
  return Sample{d.responses[0].logprob};
}

std::string countText(const ScoredDoc& d) {
  std::string field = d.config->params.value("count_field", "");
  if (!field.empty()) return fieldText(*d.doc, field);
  return d.prompt;
}

std::optional<Sample> perWord(const ScoredDoc& d) {
  if (d.responses.empty()) return std::nullopt;
  if (d.doc->contains("_words")) return Sample{d.responses[0].logprob, (*d.doc)["_words"].get<double>()};
  return Sample{d.responses[0].logprob, static_cast<double>(countWordsLikeRegexSplit(countText(d)))};
}

std::optional<Sample> perByte(const ScoredDoc& d) {
  if (d.responses.empty()) return std::nullopt;
  if (d.doc->contains("_bytes")) return Sample{d.responses[0].logprob, (*d.doc)["_bytes"].get<double>()};
  return Sample{d.responses[0].logprob, static_cast<double>(countText(d).size())};
}

std::optional<Sample> perToken(const ScoredDoc& d) {
  if (d.responses.empty()) return std::nullopt;
  return Sample{d.responses[0].logprob, static_cast<double>(d.responses[0].tokens)};
}

const std::string& lastOutput(const ScoredDoc& d) {
  static const std::string empty;
  return d.outputs.empty() ? empty : d.outputs.back();
}

std::optional<Sample> exactMatch(const ScoredDoc& d) {
  if (d.outputs.empty()) return std::nullopt;
  std::string a = trim(lastOutput(d)), b = trim(d.target);
  auto na = parseNumber(a), nb = parseNumber(b);
  if (na && nb) return Sample{std::fabs(*na - *nb) < 1e-9 ? 1.0 : 0.0};
  return Sample{a == b ? 1.0 : 0.0};
}

std::optional<Sample> containsMetric(const ScoredDoc& d) {
  if (d.outputs.empty()) return std::nullopt;
  return Sample{lastOutput(d).find(trim(d.target)) != std::string::npos ? 1.0 : 0.0};
}

std::optional<Sample> containsCiMetric(const ScoredDoc& d) {
  if (d.outputs.empty()) return std::nullopt;
  return Sample{lower(lastOutput(d)).find(lower(trim(d.target))) != std::string::npos ? 1.0 : 0.0};
}

std::optional<Sample> numberMatch(const ScoredDoc& d) {
  if (d.outputs.empty()) return std::nullopt;
  const std::string& out = lastOutput(d);
  std::string want = trim(d.target);
  static const PcreRegex num("\\d+", "number_match pattern");
  for (auto [begin, end] : num.findAll(out))
    if (out.compare(begin, end - begin, want) == 0) return Sample{1.0};
  return Sample{0.0};
}

std::optional<Sample> firstWordMatch(const ScoredDoc& d) {
  if (d.outputs.empty()) return std::nullopt;
  return Sample{firstWord(lastOutput(d)) == trim(d.target) ? 1.0 : 0.0};
}

std::optional<Sample> judgeMetric(const ScoredDoc& d) {
  if (!d.judgeScore) return std::nullopt;
  return Sample{*d.judgeScore};
}

std::optional<Sample> agreementRouge(const ScoredDoc& d) {
  if (!d.baselineOutputs || d.baselineOutputs->size() != d.outputs.size() || d.outputs.empty()) return std::nullopt;
  double s = 0;
  for (size_t i = 0; i < d.outputs.size(); ++i) s += rougeLF1(d.outputs[i], (*d.baselineOutputs)[i]);
  return Sample{s / static_cast<double>(d.outputs.size())};
}

std::optional<Sample> agreementExact(const ScoredDoc& d) {
  if (!d.baselineOutputs || d.baselineOutputs->size() != d.outputs.size() || d.outputs.empty()) return std::nullopt;
  return Sample{*d.baselineOutputs == d.outputs ? 1.0 : 0.0};
}

}  // namespace

std::string lastNumber(const std::string& text) {
  // lm-evaluation-harness's flexible-extract pattern.
  static const PcreRegex num("(-?[$0-9.,]{2,})|(-?[0-9]+)", "last-number pattern");
  std::string last;
  for (auto [begin, end] : num.findAll(text)) {
    std::string m = text.substr(begin, end - begin);
    if (m.find_first_of("0123456789") == std::string::npos) continue;
    last = m;
  }
  last.erase(std::remove_if(last.begin(), last.end(), [](char c) { return c == ',' || c == '$'; }), last.end());
  while (!last.empty() && last.back() == '.') last.pop_back();
  return last;
}

std::string wikitextDetokenize(const std::string& text) {
  std::string s = text;
  replaceAll(s, "s '", "s'");
  static const PcreRegex quoteDigit("/' [0-9]/", "wikitext detokenizer");
  s = quoteDigit.replaceAll(s, "/'[0-9]/");
  replaceAll(s, " @-@ ", "-");
  replaceAll(s, " @,@ ", ",");
  replaceAll(s, " @.@ ", ".");
  replaceAll(s, " : ", ": ");
  replaceAll(s, " ; ", "; ");
  replaceAll(s, " . ", ". ");
  replaceAll(s, " ! ", "! ");
  replaceAll(s, " ? ", "? ");
  replaceAll(s, " , ", ", ");
  static const PcreRegex parens("\\(\\s*([^\\)]*?)\\s*\\)", "wikitext detokenizer");
  static const PcreRegex brackets("\\[\\s*([^\\]]*?)\\s*\\]", "wikitext detokenizer");
  static const PcreRegex braces("\\{\\s*([^}]*?)\\s*\\}", "wikitext detokenizer");
  static const PcreRegex doubleQuotes("\"\\s*([^\"]*?)\\s*\"", "wikitext detokenizer");
  static const PcreRegex singleQuotes("'\\s*([^']*?)\\s*'", "wikitext detokenizer");
  s = parens.substitute(s, "($1)");
  s = brackets.substitute(s, "[$1]");
  s = braces.substitute(s, "{$1}");
  s = doubleQuotes.substitute(s, "\"$1\"");
  s = singleQuotes.substitute(s, "'$1'");
  replaceAll(s, "= = = =", "====");
  replaceAll(s, "= = =", "===");
  replaceAll(s, "= =", "==");
  replaceAll(s, " \xC2\xB0 ", "\xC2\xB0");
  replaceAll(s, " \n", "\n");
  replaceAll(s, "\n ", "\n");
  replaceAll(s, " N ", " 1 ");
  replaceAll(s, " 's", "'s");
  return s;
}

int64_t countWordsLikeRegexSplit(const std::string& text) {
  int64_t pieces = 1;
  bool inSpace = false;
  for (char c : text) {
    bool sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (sp && !inSpace) ++pieces;
    inSpace = sp;
  }
  return pieces;
}

std::string hellaswagPreprocess(const std::string& text) {
  std::string s = trim(text);
  replaceAll(s, " [title]", ". ");
  s = withoutBracketed(s);
  replaceAll(s, "  ", " ");
  return s;
}

double rougeLF1(const std::string& a, const std::string& b) {
  auto x = splitWords(a), y = splitWords(b);
  if (x.empty() && y.empty()) return 1.0;
  if (x.empty() || y.empty()) return 0.0;
  std::vector<int> prev(y.size() + 1, 0), cur(y.size() + 1, 0);
  for (size_t i = 1; i <= x.size(); ++i) {
    for (size_t j = 1; j <= y.size(); ++j)
      cur[j] = x[i - 1] == y[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  double lcs = prev[y.size()];
  double p = lcs / static_cast<double>(x.size()), r = lcs / static_cast<double>(y.size());
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

void registerBuiltinHooks() {
  registerDocHook("hellaswag_preprocess", hellaswagDoc);
  registerDocHook("mmlu_subject", mmluSubject);
  registerDocHook("gsm8k_target", gsm8kTarget);
  registerDocHook("truthfulqa_mc", truthfulqaMc);
  registerDocHook("wikitext_detokenize", wikitextDoc);
  registerDocHook("lambada_split", lambadaSplit);
  registerDocHook("longeval_lines", longevalLines);
  registerDocHook("longeval_topics", longevalTopics);
  registerDocHook("split_at_marker", splitAtMarker);
  registerDocHook("ethics_virtue", ethicsVirtue);
  registerDocHook("ethics_utilitarianism", ethicsUtilitarianism);
  registerDocHook("mnli_hypothesis", mnliHypothesis);

  registerDatasetHook("wikitext_documents", wikitextDocuments);
  registerDatasetHook("kv_retrieval_positions", kvRetrievalPositions);
  registerDatasetHook("longeval_lines_generate", longevalLinesGenerate);
  registerDatasetHook("longeval_topics_generate", longevalTopicsGenerate);

  registerTextFilter("last_number", lastNumber);
  registerTextFilter("first_line", firstLine);
  registerTextFilter("first_word", firstWord);
  registerTextFilter("strip", trim);
  registerTextFilter("judge_rating", judgeRating);

  registerMetric("acc", {accMetric, "mean", true});
  registerMetric("acc_norm", {accNormMetric, "mean", true});
  registerMetric("ece", {eceMetric, "ece", false});
  registerMetric("mc1", {accMetric, "mean", true});
  registerMetric("mc2", {mc2Metric, "mean", true});
  registerMetric("perplexity", {llMetric, "perplexity", false});
  registerMetric("word_perplexity", {perWord, "weighted_perplexity", false});
  registerMetric("byte_perplexity", {perByte, "weighted_perplexity", false});
  registerMetric("bits_per_byte", {perByte, "bits_per_byte", false});
  registerMetric("token_perplexity", {perToken, "weighted_perplexity", false});
  registerMetric("exact_match", {exactMatch, "mean", true});
  registerMetric("contains", {containsMetric, "mean", true});
  registerMetric("contains_ci", {containsCiMetric, "mean", true});
  registerMetric("number_match", {numberMatch, "mean", true});
  registerMetric("first_word_match", {firstWordMatch, "mean", true});
  registerMetric("judge_score", {judgeMetric, "mean", true});
  registerMetric("agreement_rougeL", {agreementRouge, "mean", true});
  registerMetric("agreement_exact", {agreementExact, "mean", true});
  registerInstructionFollowingMetrics();
}

}  // namespace qs
