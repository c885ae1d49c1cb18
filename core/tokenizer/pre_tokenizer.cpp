#include "core/tokenizer/pre_tokenizer.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/byte_level.h"
#include "core/base/error.h"
#include "core/tokenizer/pcre_regex.h"

namespace qs {

namespace {

using nlohmann::json;
using Matches = std::vector<std::pair<size_t, size_t>>;

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

SplitBehavior behaviorFromName(const std::string& name, const std::string& where) {
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  throw Error(where + ": unknown split behavior '" + name + "'");
}

struct Part {
  size_t begin;
  size_t end;
  bool flag;  // before the behaviour: is a match; after: is removed
};

// tokenizers' NormalizedString::split: matches and the gaps between them, then the behaviour.
std::vector<Part> splitParts(size_t length, const Matches& matches, SplitBehavior behavior, bool invert) {
  std::vector<Part> parts;
  size_t prev = 0;
  for (auto [begin, end] : matches) {
    if (begin != prev) parts.push_back({prev, begin, invert});
    parts.push_back({begin, end, !invert});
    prev = end;
  }
  if (prev != length || parts.empty()) parts.push_back({prev, length, invert});

  std::vector<Part> out;
  bool previousMatch = false;
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (const Part& p : parts) out.push_back({p.begin, p.end, false});
      break;
    case SplitBehavior::Removed:
      for (const Part& p : parts) out.push_back({p.begin, p.end, p.flag});
      break;
    case SplitBehavior::Contiguous:
      for (const Part& p : parts) {
        if (p.flag == previousMatch && !out.empty()) out.back().end = p.end;
        else out.push_back({p.begin, p.end, false});
        previousMatch = p.flag;
      }
      break;
    case SplitBehavior::MergedWithPrevious:
      for (const Part& p : parts) {
        if (p.flag && !previousMatch && !out.empty()) out.back().end = p.end;
        else out.push_back({p.begin, p.end, false});
        previousMatch = p.flag;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->flag && !previousMatch && !out.empty()) out.back().begin = it->begin;
        else out.push_back({it->begin, it->end, false});
        previousMatch = it->flag;
      }
      std::reverse(out.begin(), out.end());
      break;
  }
  return out;
}

// Splits every piece by the matches a function finds, then drops removed and empty pieces.
template <typename FindMatches>
void splitPieces(std::vector<PreToken>& pieces, FindMatches&& find, SplitBehavior behavior, bool invert) {
  std::vector<PreToken> result;
  result.reserve(pieces.size());
  for (PreToken& piece : pieces) {
    Matches matches = find(piece.text);
    if (matches.empty() && !invert && behavior != SplitBehavior::Removed) {
      if (!piece.text.empty()) result.push_back(std::move(piece));
      continue;
    }
    for (const Part& part : splitParts(piece.text.size(), matches, behavior, invert)) {
      if (part.flag || part.end == part.begin) continue;
      result.push_back({piece.text.substr(part.begin, part.end - part.begin), piece.atStart && part.begin == 0});
    }
  }
  pieces = std::move(result);
}

// A pattern: a regular expression, or a literal string (each occurrence a match).
class Pattern {
 public:
  static Pattern regex(const std::string& pattern, const std::string& where) {
    Pattern p;
    p.regex_ = std::make_shared<PcreRegex>(pattern, where);
    return p;
  }
  static Pattern literal(std::string text) {
    Pattern p;
    p.literal_ = std::move(text);
    return p;
  }
  static Pattern fromJson(const json& spec, const std::string& where) {
    if (spec.is_object() && spec.contains("Regex") && spec["Regex"].is_string())
      return regex(spec["Regex"].get<std::string>(), where);
    if (spec.is_object() && spec.contains("String") && spec["String"].is_string())
      return literal(spec["String"].get<std::string>());
    throw Error(where + ": a split pattern must be {\"String\": ...} or {\"Regex\": ...}");
  }
  Matches operator()(const std::string& text) const {
    if (regex_) return regex_->findAll(text);
    Matches matches;
    if (literal_.empty()) return matches;
    for (size_t pos = text.find(literal_); pos != std::string::npos; pos = text.find(literal_, pos + literal_.size()))
      matches.emplace_back(pos, pos + literal_.size());
    return matches;
  }

 private:
  std::shared_ptr<PcreRegex> regex_;
  std::string literal_;
};

class SplitStep : public PreTokenizer {
 public:
  SplitStep(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void apply(std::vector<PreToken>& pieces) const override { splitPieces(pieces, pattern_, behavior_, invert_); }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevelStep : public PreTokenizer {
 public:
  ByteLevelStep(bool addPrefixSpace, bool useRegex) : addPrefixSpace_(addPrefixSpace) {
    if (useRegex) regex_ = std::make_unique<PcreRegex>(byte_level::kGpt2Pattern, "the GPT-2 pattern");
  }
  void apply(std::vector<PreToken>& pieces) const override {
    if (addPrefixSpace_)
      for (PreToken& piece : pieces)
        if (!piece.text.empty() && piece.text[0] != ' ') piece.text = " " + piece.text;
    if (regex_) splitPieces(pieces, [this](const std::string& t) { return regex_->findAll(t); },
                            SplitBehavior::Isolated, false);
    for (PreToken& piece : pieces) piece.text = byte_level::encode(piece.text);
  }
  bool isByteLevel() const override { return true; }

 private:
  bool addPrefixSpace_;
  std::unique_ptr<PcreRegex> regex_;
};

class MetaspaceStep : public PreTokenizer {
 public:
  enum class Prepend { Always, First, Never };
  MetaspaceStep(std::string replacement, Prepend prepend, bool split)
      : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {}
  void apply(std::vector<PreToken>& pieces) const override {
    for (PreToken& piece : pieces) {
      std::string replaced;
      for (char c : piece.text) {
        if (c == ' ') replaced += replacement_;
        else replaced += c;
      }
      bool startsWithReplacement = replaced.compare(0, replacement_.size(), replacement_) == 0;
      bool prepend = prepend_ == Prepend::Always || (prepend_ == Prepend::First && piece.atStart);
      if (prepend && !startsWithReplacement && !replaced.empty()) replaced.insert(0, replacement_);
      piece.text = std::move(replaced);
    }
    if (split_) splitPieces(pieces, Pattern::literal(replacement_), SplitBehavior::MergedWithNext, false);
  }

 private:
  std::string replacement_;
  Prepend prepend_;
  bool split_;
};

class SequenceStep : public PreTokenizer {
 public:
  explicit SequenceStep(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void apply(std::vector<PreToken>& pieces) const override {
    for (const auto& step : steps_) step->apply(pieces);
  }
  bool isByteLevel() const override {
    for (const auto& step : steps_)
      if (step->isByteLevel()) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

// Unicode or ASCII punctuation (Rust's is_ascii_punctuation || is_punctuation), one char a match.
constexpr const char* kPunctuationChar = R"([\p{P}!-/:-@\[-`{-~])";
constexpr const char* kWhitespaceChar = R"(\s)";

std::unique_ptr<PreTokenizer> splitStep(const char* regex, const std::string& where, SplitBehavior behavior,
                                        bool invert = false) {
  return std::make_unique<SplitStep>(Pattern::regex(regex, where), behavior, invert);
}

std::unique_ptr<PreTokenizer> metaspaceFromJson(const json& spec, const std::string& where) {
  std::string replacement = spec.value("replacement", std::string("\xE2\x96\x81"));
  MetaspaceStep::Prepend prepend = spec.value("add_prefix_space", true) ? MetaspaceStep::Prepend::Always
                                                                         : MetaspaceStep::Prepend::Never;
  if (spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string()) {
    std::string scheme = spec["prepend_scheme"].get<std::string>();
    if (scheme == "always") prepend = MetaspaceStep::Prepend::Always;
    else if (scheme == "first") prepend = MetaspaceStep::Prepend::First;
    else if (scheme == "never") prepend = MetaspaceStep::Prepend::Never;
    else throw Error(where + ": unknown Metaspace prepend_scheme '" + scheme + "'");
  }
  return std::make_unique<MetaspaceStep>(replacement, prepend, spec.value("split", true));
}

}  // namespace

std::unique_ptr<PreTokenizer> PreTokenizer::gpt2ByteLevel() { return std::make_unique<ByteLevelStep>(false, true); }

std::unique_ptr<PreTokenizer> PreTokenizer::fromJson(const json& spec, const std::string& where) {
  if (spec.is_null()) return nullptr;
  if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
    throw Error(where + ": pre_tokenizer must be an object with a \"type\"");
  std::string type = spec["type"].get<std::string>();
  std::string context = where + ": " + type + " pre_tokenizer";
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    const json& list = spec.value("pretokenizers", json::array());
    if (!list.is_array()) throw Error(context + " needs an array 'pretokenizers'");
    for (const json& step : list)
      if (auto pre = fromJson(step, where)) steps.push_back(std::move(pre));
    return std::make_unique<SequenceStep>(std::move(steps));
  }
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelStep>(spec.value("add_prefix_space", true), spec.value("use_regex", true));
  if (type == "Split") {
    if (!spec.contains("pattern")) throw Error(context + " needs a 'pattern'");
    return std::make_unique<SplitStep>(Pattern::fromJson(spec["pattern"], context),
                                       behaviorFromName(spec.value("behavior", std::string("Isolated")), context),
                                       spec.value("invert", false));
  }
  if (type == "Metaspace") return metaspaceFromJson(spec, context);
  if (type == "Digits")
    return splitStep(R"(\p{N})", context,
                     spec.value("individual_digits", false) ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  if (type == "Punctuation")
    return splitStep(kPunctuationChar, context, behaviorFromName(spec.value("behavior", std::string("Isolated")), context));
  if (type == "Whitespace") return splitStep(R"(\w+|[^\w\s]+)", context, SplitBehavior::Removed, true);
  if (type == "WhitespaceSplit") return splitStep(kWhitespaceChar, context, SplitBehavior::Removed);
  if (type == "BertPreTokenizer") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    steps.push_back(splitStep(kWhitespaceChar, context, SplitBehavior::Removed));
    steps.push_back(splitStep(kPunctuationChar, context, SplitBehavior::Isolated));
    return std::make_unique<SequenceStep>(std::move(steps));
  }
  if (type == "CharDelimiterSplit") {
    std::string delimiter = spec.value("delimiter", std::string());
    if (delimiter.empty()) throw Error(context + " needs a 'delimiter'");
    return std::make_unique<SplitStep>(Pattern::literal(delimiter), SplitBehavior::Removed, false);
  }
  throw Error(where + ": pre_tokenizer type '" + type +
              "' is not supported (supported: ByteLevel, Split, Metaspace, Digits, Punctuation, Whitespace, "
              "WhitespaceSplit, BertPreTokenizer, CharDelimiterSplit, Sequence)");
}

}  // namespace qs
