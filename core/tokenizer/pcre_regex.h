#pragma once
// A compiled PCRE2 pattern in UTF + UCP mode (JIT when available), as the tokenizers need for
// their pre-tokenization and replace patterns.
#include <cstddef>
#include <memory>
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

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace qs
