#pragma once
// A compiled PCRE2 pattern in UTF + UCP mode (JIT when available), as the tokenizers need for
// their pre-tokenization and replace patterns, and the task hooks for theirs. Why not std::regex:
// libstdc++'s matcher recurses once per character a repetition consumes, so a long field overflows
// the stack; PCRE2 backtracks on the heap (and the JIT's own stack, with the interpreter as the
// fallback when that runs out). Text that is not valid UTF-8 (a model's raw output) matches safely.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qs {

class PcreRegex {
 public:
  // `where` names the file and field the pattern comes from, for the error on a bad pattern.
  PcreRegex(const std::string& pattern, const std::string& where);
  ~PcreRegex();
  PcreRegex(const PcreRegex&) = delete;
  PcreRegex& operator=(const PcreRegex&) = delete;

  // Every non-overlapping match [begin, end) in valid UTF-8 text, left to right; an empty match
  // advances one character so the scan always ends.
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;
  // Replaces every match with `replacement` (taken literally).
  std::string replaceAll(std::string_view text, std::string_view replacement) const;

  // A match with its capture groups ([begin, end) each; nullopt where a group did not take part).
  struct Match {
    size_t begin = 0, end = 0;
    std::vector<std::optional<std::pair<size_t, size_t>>> groups;  // groups[0] is group 1
  };
  std::vector<Match> matches(std::string_view text) const;
  // The text of group `group` (0 = the whole match) in the first match, nullopt when none.
  std::optional<std::string> firstMatch(std::string_view text, int group = 0) const;
  // Replaces every match with `replacement`, where $1..$99 stand for the groups (empty when a group
  // did not take part) and $$ for a dollar sign. Like matches(), empty matches are left alone.
  std::string substitute(std::string_view text, std::string_view replacement) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace qs
