#include "tasks/instruction_checks.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

#include "core/base/error.h"
#include "core/tokenizer/pcre_regex.h"

namespace qs {
namespace {

using nlohmann::json;

std::map<std::string, InstructionCheck>& registry() {
  static std::map<std::string, InstructionCheck> r;
  return r;
}

void registerBuiltinInstructionChecks();

void ensureBuiltins() {
  static std::once_flag once;
  std::call_once(once, registerBuiltinInstructionChecks);
}

// PCRE2 in UTF mode needs valid UTF-8; a model can generate any bytes. Invalid bytes become U+FFFD.
std::string validUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size() && !(len == 2 && c < 0xC2);
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) out.append(s, i, len), i += len;
    else out += "\xEF\xBF\xBD", i += 1;
  }
  return out;
}

// Python's re.findall count / re.search for a pattern built from task data; a pattern PCRE2
// cannot compile is matched literally.
std::vector<std::pair<size_t, size_t>> findAll(const std::string& pattern, const std::string& text) {
  try {
    return PcreRegex(pattern, "an IFEval instruction").findAll(validUtf8(text));
  } catch (const Error&) {
    return PcreRegex("\\Q" + pattern + "\\E", "an IFEval instruction").findAll(validUtf8(text));
  }
}
size_t countMatches(const std::string& pattern, const std::string& text) { return findAll(pattern, text).size(); }
bool search(const std::string& pattern, const std::string& text) { return !findAll(pattern, text).empty(); }

// re.split(pattern, text): the pieces between matches.
std::vector<std::string> splitBy(const std::string& pattern, const std::string& text) {
  const std::string t = validUtf8(text);
  std::vector<std::string> pieces;
  size_t from = 0;
  for (const auto& [b, e] : PcreRegex(pattern, "an IFEval instruction").findAll(t)) {
    pieces.push_back(t.substr(from, b - from));
    from = e;
  }
  pieces.push_back(t.substr(from));
  return pieces;
}

std::string strip(const std::string& s, const std::string& chars = " \t\n\r\f\v") {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
}
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool endsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

// str.isupper() / str.islower(): some cased letter, none of the other case (ASCII letters).
bool isUpperText(const std::string& s) {
  bool cased = false;
  for (unsigned char c : s) {
    if (std::islower(c)) return false;
    cased = cased || std::isupper(c);
  }
  return cased;
}
bool isLowerText(const std::string& s) {
  bool cased = false;
  for (unsigned char c : s) {
    if (std::isupper(c)) return false;
    cased = cased || std::islower(c);
  }
  return cased;
}

// kwargs values; lm-eval drops falsy values before building the instruction.
int64_t intArg(const json& kw, const char* key) {
  if (!kw.contains(key) || !kw[key].is_number()) throw Error(std::string("instruction needs a number '") + key + "'");
  return kw[key].get<int64_t>();
}
std::string strArg(const json& kw, const char* key) {
  if (!kw.contains(key) || !kw[key].is_string()) throw Error(std::string("instruction needs a text '") + key + "'");
  return kw[key].get<std::string>();
}
std::vector<std::string> listArg(const json& kw, const char* key) {
  if (!kw.contains(key) || !kw[key].is_array()) throw Error(std::string("instruction needs a list '") + key + "'");
  std::vector<std::string> out;
  for (const auto& v : kw[key]) out.push_back(v.get<std::string>());
  return out;
}
// "less than" N  or  "at least" N.
bool compare(int64_t actual, const json& kw, const char* relationKey, const char* numberKey) {
  const std::string relation = strArg(kw, relationKey);
  const int64_t n = intArg(kw, numberKey);
  if (relation == "less than") return actual < n;
  if (relation == "at least") return actual >= n;
  throw Error("relation '" + relation + "' is neither 'less than' nor 'at least'");
}

bool numberOfParagraphs(const std::string& v, const json& kw) {
  auto paragraphs = splitBy("\\s?\\*\\*\\*\\s?", v);
  int64_t n = static_cast<int64_t>(paragraphs.size());
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    if (!strip(paragraphs[i]).empty()) continue;
    if (i == 0 || i + 1 == paragraphs.size()) --n;
    else return false;
  }
  return n == intArg(kw, "num_paragraphs");
}

bool nthParagraphFirstWord(const std::string& v, const json& kw) {
  auto paragraphs = splitBy("\\n\\n", v);
  int64_t n = static_cast<int64_t>(paragraphs.size());
  for (const auto& p : paragraphs)
    if (strip(p).empty()) --n;
  const int64_t nth = intArg(kw, "nth_paragraph");
  if (nth > n || nth < 1) return false;
  std::string paragraph = strip(paragraphs[nth - 1]);
  if (paragraph.empty()) return false;
  std::string word = paragraph.substr(0, paragraph.find_first_of(" \t\n\r\f\v"));
  word = word.substr(std::min(word.find_first_not_of('\''), word.size()));
  word = word.substr(std::min(word.find_first_not_of('"'), word.size()));
  std::string first;
  for (char c : word) {
    if (std::string(".,?!'\"").find(c) != std::string::npos) break;
    first += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return n == intArg(kw, "num_paragraphs") && first == lower(strArg(kw, "first_word"));
}

bool jsonFormat(const std::string& v) {
  std::string s = strip(v);
  for (const char* p : {"```json", "```Json", "```JSON", "```"})
    if (startsWith(s, p)) s = s.substr(std::string(p).size());
  if (endsWith(s, "```")) s.resize(s.size() - 3);
  return json::accept(strip(s));
}

bool highlightedSections(const std::string& v, const json& kw) {
  int64_t n = 0;
  const std::string t = validUtf8(v);
  for (const auto& [b, e] : findAll("\\*[^\\n\\*]*\\*", t))
    if (!strip(strip(t.substr(b, e - b), "*")).empty()) ++n;
  for (const auto& [b, e] : findAll("\\*\\*[^\\n\\*]*\\*\\*", t))
    if (!strip(t.substr(b + 2, e - b - 4)).empty()) ++n;
  return n >= intArg(kw, "num_highlights");
}

bool title(const std::string& v) {
  const std::string t = validUtf8(v);
  for (const auto& [b, e] : findAll("<<[^\\n]+>>", t)) {
    std::string s = t.substr(b, e - b);
    s = s.substr(s.find_first_not_of('<'));
    s = s.substr(0, s.find_last_not_of('>') + 1);
    if (!strip(s).empty()) return true;
  }
  return false;
}

bool postscript(const std::string& v, const json& kw) {
  const std::string marker = strip(strArg(kw, "postscript_marker"));
  std::string pattern = marker == "P.P.S"  ? "\\s*p\\.\\s?p\\.\\s?s.*$"
                        : marker == "P.S." ? "\\s*p\\.\\s?s\\..*$"
                                           : "\\s*" + lower(marker) + ".*$";
  return search("(?m)" + pattern, lower(v));
}

bool twoResponses(const std::string& v) {
  std::vector<std::string> valid, parts;
  size_t from = 0;
  for (size_t p; (p = v.find("******", from)) != std::string::npos; from = p + 6) parts.push_back(v.substr(from, p - from));
  parts.push_back(v.substr(from));
  for (size_t i = 0; i < parts.size(); ++i) {
    if (strip(parts[i]).empty()) {
      if (i != 0 && i + 1 != parts.size()) return false;
    } else {
      valid.push_back(parts[i]);
    }
  }
  return valid.size() == 2 && strip(valid[0]) != strip(valid[1]);
}

bool capitalWordFrequency(const std::string& v, const json& kw) {
  int64_t n = 0;
  const std::string t = validUtf8(v);
  for (const auto& [b, e] : findAll("\\w+(?:-\\w+)*", t))
    if (isUpperText(t.substr(b, e - b))) ++n;
  return compare(n, kw, "capital_relation", "capital_frequency");
}

void registerBuiltinInstructionChecks() {
  auto reg = [](const char* id, InstructionCheck c) { registry()[id] = std::move(c); };
  reg("punctuation:no_comma", [](const std::string& v, const json&, const std::string&) { return v.find(',') == std::string::npos; });
  reg("length_constraints:number_words", [](const std::string& v, const json& kw, const std::string&) {
    return compare(countIfevalWords(v), kw, "relation", "num_words");
  });
  reg("length_constraints:number_sentences", [](const std::string& v, const json& kw, const std::string&) {
    return compare(static_cast<int64_t>(splitIntoSentences(v).size()), kw, "relation", "num_sentences");
  });
  reg("length_constraints:number_paragraphs", [](const std::string& v, const json& kw, const std::string&) { return numberOfParagraphs(v, kw); });
  reg("length_constraints:nth_paragraph_first_word",
      [](const std::string& v, const json& kw, const std::string&) { return nthParagraphFirstWord(v, kw); });
  reg("keywords:existence", [](const std::string& v, const json& kw, const std::string&) {
    for (const auto& k : listArg(kw, "keywords"))
      if (!search("(?i)" + k, v)) return false;
    return true;
  });
  reg("keywords:forbidden_words", [](const std::string& v, const json& kw, const std::string&) {
    for (const auto& w : listArg(kw, "forbidden_words"))
      if (search("(?i)\\b" + w + "\\b", v)) return false;
    return true;
  });
  reg("keywords:frequency", [](const std::string& v, const json& kw, const std::string&) {
    return compare(static_cast<int64_t>(countMatches("(?i)" + strip(strArg(kw, "keyword")), v)), kw, "relation", "frequency");
  });
  reg("keywords:letter_frequency", [](const std::string& v, const json& kw, const std::string&) {
    const std::string letter = lower(strip(strArg(kw, "letter")));
    if (letter.size() != 1) throw Error("letter_frequency needs one letter, got '" + letter + "'");
    const std::string l = lower(v);
    return compare(static_cast<int64_t>(std::count(l.begin(), l.end(), letter[0])), kw, "let_relation", "let_frequency");
  });
  reg("detectable_format:json_format", [](const std::string& v, const json&, const std::string&) { return jsonFormat(v); });
  reg("detectable_format:number_bullet_lists", [](const std::string& v, const json& kw, const std::string&) {
    return static_cast<int64_t>(countMatches("(?m)^\\s*\\*[^\\*].*$", v) + countMatches("(?m)^\\s*-.*$", v)) ==
           intArg(kw, "num_bullets");
  });
  reg("detectable_format:title", [](const std::string& v, const json&, const std::string&) { return title(v); });
  reg("detectable_format:number_highlighted_sections",
      [](const std::string& v, const json& kw, const std::string&) { return highlightedSections(v, kw); });
  reg("detectable_format:multiple_sections", [](const std::string& v, const json& kw, const std::string&) {
    const std::string splitter = strip(strArg(kw, "section_spliter"));
    return static_cast<int64_t>(splitBy("\\s?" + splitter + "\\s?\\d+\\s?", v).size()) - 1 >= intArg(kw, "num_sections");
  });
  reg("detectable_format:constrained_response", [](const std::string& v, const json&, const std::string&) {
    const std::string s = strip(v);
    for (const char* option : {"My answer is yes.", "My answer is no.", "My answer is maybe."})
      if (s.find(option) != std::string::npos) return true;
    return false;
  });
  reg("change_case:english_lowercase", [](const std::string& v, const json&, const std::string&) { return isLowerText(v); });
  reg("change_case:english_capital", [](const std::string& v, const json&, const std::string&) { return isUpperText(v); });
  reg("change_case:capital_word_frequency",
      [](const std::string& v, const json& kw, const std::string&) { return capitalWordFrequency(v, kw); });
  reg("detectable_content:number_placeholders", [](const std::string& v, const json& kw, const std::string&) {
    return static_cast<int64_t>(countMatches("\\[.*?\\]", v)) >= intArg(kw, "num_placeholders");
  });
  reg("detectable_content:postscript", [](const std::string& v, const json& kw, const std::string&) { return postscript(v, kw); });
  reg("startend:end_checker", [](const std::string& v, const json& kw, const std::string&) {
    return endsWith(lower(strip(strip(v), "\"")), lower(strip(strArg(kw, "end_phrase"))));
  });
  reg("startend:quotation", [](const std::string& v, const json&, const std::string&) {
    const std::string s = strip(v);
    return s.size() > 1 && s.front() == '"' && s.back() == '"';
  });
  reg("combination:repeat_prompt", [](const std::string& v, const json& kw, const std::string&) {
    return startsWith(lower(strip(v)), lower(strip(strArg(kw, "prompt_to_repeat"))));
  });
  reg("combination:two_responses", [](const std::string& v, const json&, const std::string&) { return twoResponses(v); });
}

// kwargs without the values lm-eval drops ({k: v for k, v in kwargs.items() if v}).
json truthyKwargs(const json& kwargs) {
  json out = json::object();
  if (!kwargs.is_object()) return out;
  for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
    const json& v = *it;
    bool falsy = v.is_null() || (v.is_number() && v.get<double>() == 0) || (v.is_string() && v.get<std::string>().empty()) ||
                 (v.is_array() && v.empty()) || (v.is_boolean() && !v.get<bool>());
    if (!falsy) out[it.key()] = v;
  }
  return out;
}

const InstructionCheck& checkFor(const std::string& id) {
  const InstructionCheck* c = findInstructionCheck(id);
  if (!c) throw Error("unknown IFEval instruction '" + id + "'");
  return *c;
}

}  // namespace

void registerInstructionCheck(const std::string& id, InstructionCheck check) {
  ensureBuiltins();
  registry()[id] = std::move(check);
}

const InstructionCheck* findInstructionCheck(const std::string& id) {
  ensureBuiltins();
  auto it = registry().find(id);
  return it == registry().end() ? nullptr : &it->second;
}

bool isUnsupportedInstruction(const std::string& id) { return id == "language:response_language"; }

std::optional<bool> followsStrict(const std::string& id, const std::string& response, const json& kwargs,
                                  const std::string& prompt) {
  if (isUnsupportedInstruction(id)) return std::nullopt;
  const InstructionCheck& check = checkFor(id);
  return !strip(response).empty() && check(response, truthyKwargs(kwargs), prompt);
}

std::optional<bool> followsLoose(const std::string& id, const std::string& response, const json& kwargs,
                                 const std::string& prompt) {
  if (isUnsupportedInstruction(id)) return std::nullopt;
  const InstructionCheck& check = checkFor(id);
  const json kw = truthyKwargs(kwargs);
  for (const auto& r : looseResponseVariants(response))
    if (!strip(r).empty() && check(r, kw, prompt)) return true;
  return false;
}

std::vector<std::string> looseResponseVariants(const std::string& response) {
  std::vector<std::string> lines;
  size_t from = 0;
  for (size_t p; (p = response.find('\n', from)) != std::string::npos; from = p + 1) lines.push_back(response.substr(from, p - from));
  lines.push_back(response.substr(from));
  auto join = [&](size_t b, size_t e) {
    std::string s;
    for (size_t i = b; i < e; ++i) s += (i > b ? "\n" : "") + lines[i];
    return strip(s);
  };
  const size_t n = lines.size();
  const std::string removeFirst = join(1, n), removeLast = join(0, n - 1), removeBoth = n >= 2 ? join(1, n - 1) : "";
  auto noStars = [](const std::string& s) { return replaceAll(s, "*", ""); };
  return {response,    noStars(response),    removeFirst,          removeLast,
          removeBoth,  noStars(removeFirst), noStars(removeLast),  noStars(removeBoth)};
}

std::vector<std::string> splitIntoSentences(const std::string& input) {
  static const std::string alphabets = "([A-Za-z])", prefixes = "(Mr|St|Mrs|Ms|Dr)[.]", suffixes = "(Inc|Ltd|Jr|Sr|Co)",
                           starters = "(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\\s|She\\s|It\\s|They\\s|Their\\s|Our\\s|We\\s|But\\s|However\\s|That\\s|This\\s|Wherever)",
                           acronyms = "([A-Z][.][A-Z][.](?:[A-Z][.])?)", websites = "[.](com|net|org|io|gov|edu|me)",
                           digits = "([0-9])";
  auto sub = [](const std::string& text, const std::string& pattern, const std::string& replacement) {
    return PcreRegex(pattern, "sentence splitter").substitute(text, replacement);
  };
  std::string text = " " + input + "  ";
  text = replaceAll(text, "\n", " ");
  text = sub(text, prefixes, "$1<prd>");
  text = sub(text, websites, "<prd>$1");
  text = sub(text, digits + "[.]" + digits, "$1<prd>$2");
  {  // each run of two or more dots: one <prd> per dot, then <stop>
    std::string out;
    for (size_t i = 0; i < text.size();) {
      size_t j = i;
      while (j < text.size() && text[j] == '.') ++j;
      if (j - i >= 2) {
        for (size_t k = i; k < j; ++k) out += "<prd>";
        out += "<stop>";
        i = j;
      } else {
        out += text[i++];
      }
    }
    text = out;
  }
  if (text.find("Ph.D") != std::string::npos) text = replaceAll(text, "Ph.D.", "Ph<prd>D<prd>");
  text = sub(text, "\\s" + alphabets + "[.] ", " $1<prd> ");
  text = sub(text, acronyms + " " + starters, "$1<stop> $2");
  text = sub(text, alphabets + "[.]" + alphabets + "[.]" + alphabets + "[.]", "$1<prd>$2<prd>$3<prd>");
  text = sub(text, alphabets + "[.]" + alphabets + "[.]", "$1<prd>$2<prd>");
  text = sub(text, " " + suffixes + "[.] " + starters, " $1<stop> $2");
  text = sub(text, " " + suffixes + "[.]", " $1<prd>");
  text = sub(text, " " + alphabets + "[.]", " $1<prd>");
  text = replaceAll(text, ".\xE2\x80\x9D", "\xE2\x80\x9D.");
  text = replaceAll(text, ".\"", "\".");
  text = replaceAll(text, "!\"", "\"!");
  text = replaceAll(text, "?\"", "\"?");
  text = replaceAll(text, ".", ".<stop>");
  text = replaceAll(text, "?", "?<stop>");
  text = replaceAll(text, "!", "!<stop>");
  text = replaceAll(text, "<prd>", ".");
  std::vector<std::string> sentences;
  size_t from = 0;
  for (size_t p; (p = text.find("<stop>", from)) != std::string::npos; from = p + 6) sentences.push_back(strip(text.substr(from, p - from)));
  sentences.push_back(strip(text.substr(from)));
  if (!sentences.empty() && sentences.back().empty()) sentences.pop_back();
  return sentences;
}

int64_t countIfevalWords(const std::string& text) { return static_cast<int64_t>(countMatches("\\w+", text)); }

}  // namespace qs
