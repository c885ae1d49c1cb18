#include "core/tokenizer/pcre_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cctype>

#include "core/base/error.h"
#include "core/tokenizer/utf8.h"

namespace qs {

struct PcreRegex::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

namespace {

struct MatchData {
  pcre2_match_data* data;
  explicit MatchData(const pcre2_code* code) : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
};

// PCRE2's \s also matches U+180E (its \h list predates Unicode 6.3); Python's regex module and
// Oniguruma (Hugging Face tokenizers) match exactly the White_Space property, so say that.
std::string withUnicodeWhitespace(const std::string& pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    char next = pattern[++i];
    if (next == 's') out += "\\p{White_Space}";
    else if (next == 'S') out += "\\P{White_Space}";
    else {
      out += '\\';
      out += next;
    }
  }
  return out;
}

}  // namespace

PcreRegex::PcreRegex(const std::string& originalPattern, const std::string& where)
    : compiled_(std::make_unique<Compiled>()) {
  const std::string pattern = withUnicodeWhitespace(originalPattern);
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                  PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &errorCode, &errorOffset, nullptr);
  if (!compiled_->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    throw Error(where + ": invalid regular expression '" + originalPattern + "' at offset " +
                std::to_string(errorOffset) + ": " + reinterpret_cast<char*>(message));
  }
  // JIT is an optimisation only: the interpreter gives the same matches when it is unavailable.
  pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);
}

PcreRegex::~PcreRegex() = default;

namespace {

// One pcre2_match from `pos`; false when nothing matches. A pattern that exhausts the JIT's stack
// (a long run under a lazy repetition) is matched again by the interpreter, which uses the heap.
bool matchFrom(const pcre2_code* code, std::string_view text, size_t pos, pcre2_match_data* data) {
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  // Invalid UTF-8 is allowed by PCRE2_MATCH_INVALID_UTF; skipping the per-call check keeps scans linear.
  int rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, data, nullptr);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
    rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(rc, message, sizeof(message));
    throw Error(std::string("regular expression match failed: ") + reinterpret_cast<char*>(message));
  }
  return true;
}

}  // namespace

std::vector<PcreRegex::Match> PcreRegex::matches(std::string_view text) const {
  std::vector<Match> out;
  MatchData match(compiled_->code);
  uint32_t groups = 0;
  pcre2_pattern_info(compiled_->code, PCRE2_INFO_CAPTURECOUNT, &groups);
  size_t pos = 0;
  while (pos <= text.size() && matchFrom(compiled_->code, text, pos, match.data)) {
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
    const size_t begin = ovector[0], end = ovector[1];
    if (end > begin) {
      Match m{begin, end, {}};
      for (uint32_t g = 1; g <= groups; ++g) {
        if (ovector[2 * g] == PCRE2_UNSET)
          m.groups.emplace_back(std::nullopt);
        else
          m.groups.emplace_back(std::make_pair(size_t(ovector[2 * g]), size_t(ovector[2 * g + 1])));
      }
      out.push_back(std::move(m));
      pos = end;
    } else {
      // Empty matches are not reported (as the tokenizers want); the scan moves one character on.
      if (begin >= text.size()) break;
      pos = begin + std::max<size_t>(1, utf8::charLength(text, begin));
    }
  }
  return out;
}

std::vector<std::pair<size_t, size_t>> PcreRegex::findAll(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& m : matches(text)) out.emplace_back(m.begin, m.end);
  return out;
}

std::optional<std::string> PcreRegex::firstMatch(std::string_view text, int group) const {
  MatchData match(compiled_->code);
  if (!matchFrom(compiled_->code, text, 0, match.data)) return std::nullopt;
  if (group < 0 || static_cast<uint32_t>(group) >= pcre2_get_ovector_count(match.data)) return std::nullopt;
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
  if (ovector[2 * group] == PCRE2_UNSET) return std::nullopt;
  return std::string(text.substr(ovector[2 * group], ovector[2 * group + 1] - ovector[2 * group]));
}

std::string PcreRegex::substitute(std::string_view text, std::string_view replacement) const {
  std::string out;
  size_t last = 0;
  for (const auto& m : matches(text)) {
    out.append(text.substr(last, m.begin - last));
    for (size_t i = 0; i < replacement.size(); ++i) {
      const char c = replacement[i];
      if (c == '$' && i + 1 < replacement.size() && replacement[i + 1] == '$') {
        out += '$';
        ++i;
      } else if (c == '$' && i + 1 < replacement.size() && std::isdigit(static_cast<unsigned char>(replacement[i + 1]))) {
        size_t g = static_cast<size_t>(replacement[++i] - '0');
        if (i + 1 < replacement.size() && std::isdigit(static_cast<unsigned char>(replacement[i + 1])))
          g = g * 10 + static_cast<size_t>(replacement[++i] - '0');
        if (g >= 1 && g <= m.groups.size() && m.groups[g - 1])
          out.append(text.substr(m.groups[g - 1]->first, m.groups[g - 1]->second - m.groups[g - 1]->first));
      } else {
        out += c;
      }
    }
    last = m.end;
  }
  out.append(text.substr(last));
  return out;
}

std::string PcreRegex::replaceAll(std::string_view text, std::string_view replacement) const {
  std::string out;
  size_t last = 0;
  for (auto [begin, end] : findAll(text)) {
    out.append(text.substr(last, begin - last));
    out.append(replacement);
    last = end;
  }
  out.append(text.substr(last));
  return out;
}

}  // namespace qs
