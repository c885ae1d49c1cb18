#include "core/tokenizer/pcre_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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
                                  PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
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

std::vector<std::pair<size_t, size_t>> PcreRegex::findAll(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  MatchData match(compiled_->code);
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  // The text was checked once by the caller; skipping PCRE2's own check per call keeps this linear.
  uint32_t options = PCRE2_NO_UTF_CHECK;
  while (pos <= text.size()) {
    int rc = pcre2_match(compiled_->code, subject, text.size(), pos, options, match.data, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof(message));
      throw Error(std::string("regular expression match failed: ") + reinterpret_cast<char*>(message));
    }
    PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
    size_t begin = ovector[0];
    size_t end = ovector[1];
    if (end > begin) {
      matches.emplace_back(begin, end);
      pos = end;
    } else {
      if (begin >= text.size()) break;
      pos = begin + utf8::charLength(text, begin);
    }
  }
  return matches;
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
