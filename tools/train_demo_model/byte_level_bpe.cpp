#include "tools/train_demo_model/byte_level_bpe.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/base/error.h"

namespace qs::demo {
namespace {

constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

struct Pcre2Deleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

const pcre2_code* gpt2Regex() {
  static std::unique_ptr<pcre2_code, Pcre2Deleter> code = [] {
    int err = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kGpt2Pattern), PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
    if (!c) throw Error("GPT-2 pre-tokenizer regex does not compile (PCRE2 error " + std::to_string(err) + ")");
    return std::unique_ptr<pcre2_code, Pcre2Deleter>(c);
  }();
  return code.get();
}

uint64_t pairKey(int a, int b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); }

}  // namespace

const std::vector<std::string>& byteToUnicode() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      t[b] = utf8(printable ? static_cast<uint32_t>(b) : next++);
    }
    return t;
  }();
  return table;
}

std::vector<std::string> gpt2PreTokenize(std::string_view text) {
  std::vector<std::string> out;
  std::unique_ptr<pcre2_match_data, Pcre2Deleter> md(pcre2_match_data_create_from_pattern(gpt2Regex(), nullptr));
  PCRE2_SIZE start = 0;
  while (start < text.size()) {
    int rc = pcre2_match(gpt2Regex(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start, 0, md.get(),
                         nullptr);
    if (rc < 0) throw Error("GPT-2 pre-tokenizer: no match at byte " + std::to_string(start) + " (invalid UTF-8?)");
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    if (ov[0] != start || ov[1] <= ov[0])
      throw Error("GPT-2 pre-tokenizer: unmatched text at byte " + std::to_string(start));
    out.emplace_back(text.substr(ov[0], ov[1] - ov[0]));
    start = ov[1];
  }
  return out;
}

int ByteLevelBpe::addToken(const std::string& s) {
  auto [it, inserted] = ids_.emplace(s, static_cast<int>(vocab_.size()));
  if (inserted) vocab_.push_back(s);
  return it->second;
}

void ByteLevelBpe::addMerge(int left, int right) {
  const int merged = addToken(vocab_[left] + vocab_[right]);
  mergeOf_[pairKey(left, right)] = {static_cast<int>(merges_.size()), merged};
  merges_.emplace_back(left, right);
}

ByteLevelBpe ByteLevelBpe::train(const std::vector<std::string_view>& texts, int merges) {
  ByteLevelBpe bpe;
  bpe.addToken(kEndOfText);
  for (int b = 0; b < 256; ++b) bpe.addToken(byteToUnicode()[b]);

  // Distinct words (pre-tokens) with counts, each as a sequence of token ids.
  std::map<std::string, int64_t> counts;
  for (auto text : texts)
    for (auto& w : gpt2PreTokenize(text)) ++counts[w];
  std::vector<std::vector<int>> words;
  std::vector<int64_t> freq;
  for (const auto& [w, n] : counts) {
    std::vector<int> syms;
    for (unsigned char c : w) syms.push_back(1 + c);
    words.push_back(std::move(syms));
    freq.push_back(n);
  }
  std::unordered_map<uint64_t, int64_t> pairCount;
  auto countWord = [&](size_t i, int64_t sign) {
    const auto& s = words[i];
    for (size_t j = 0; j + 1 < s.size(); ++j) pairCount[pairKey(s[j], s[j + 1])] += sign * freq[i];
  };
  for (size_t i = 0; i < words.size(); ++i) countWord(i, 1);

  for (int m = 0; m < merges; ++m) {
    uint64_t best = 0;
    int64_t bestCount = 0;
    for (const auto& [key, n] : pairCount) {
      if (n < bestCount || n <= 0) continue;
      if (n == bestCount) {
        const int a = static_cast<int>(key >> 32), b = static_cast<int>(key & 0xFFFFFFFFu);
        const int ba = static_cast<int>(best >> 32), bb = static_cast<int>(best & 0xFFFFFFFFu);
        if (std::tie(bpe.vocab_[a], bpe.vocab_[b]) >= std::tie(bpe.vocab_[ba], bpe.vocab_[bb])) continue;
      }
      best = key, bestCount = n;
    }
    if (bestCount < 2) break;  // nothing left worth merging
    const int a = static_cast<int>(best >> 32), b = static_cast<int>(best & 0xFFFFFFFFu);
    bpe.addMerge(a, b);
    const int merged = static_cast<int>(bpe.vocab_.size()) - 1;
    for (size_t i = 0; i < words.size(); ++i) {
      auto& s = words[i];
      bool has = false;
      for (size_t j = 0; j + 1 < s.size() && !has; ++j) has = s[j] == a && s[j + 1] == b;
      if (!has) continue;
      countWord(i, -1);
      std::vector<int> next;
      for (size_t j = 0; j < s.size(); ++j) {
        if (j + 1 < s.size() && s[j] == a && s[j + 1] == b) {
          next.push_back(merged);
          ++j;
        } else {
          next.push_back(s[j]);
        }
      }
      s = std::move(next);
      countWord(i, 1);
    }
    for (auto it = pairCount.begin(); it != pairCount.end();) it = it->second == 0 ? pairCount.erase(it) : std::next(it);
  }
  return bpe;
}

std::vector<int> ByteLevelBpe::encodeWord(const std::string& word) const {
  if (auto it = cache_.find(word); it != cache_.end()) return it->second;
  std::vector<int> s;
  for (unsigned char c : word) s.push_back(1 + c);
  for (;;) {
    // The lowest-ranked adjacent pair is merged first, at every position where it occurs.
    int bestRank = -1, merged = -1;
    int a = -1, b = -1;
    for (size_t j = 0; j + 1 < s.size(); ++j) {
      auto it = mergeOf_.find(pairKey(s[j], s[j + 1]));
      if (it != mergeOf_.end() && (bestRank < 0 || it->second.first < bestRank)) {
        bestRank = it->second.first, merged = it->second.second, a = s[j], b = s[j + 1];
      }
    }
    if (bestRank < 0) break;
    std::vector<int> next;
    for (size_t j = 0; j < s.size(); ++j) {
      if (j + 1 < s.size() && s[j] == a && s[j + 1] == b) {
        next.push_back(merged);
        ++j;
      } else {
        next.push_back(s[j]);
      }
    }
    s = std::move(next);
  }
  cache_.emplace(word, s);
  return s;
}

std::vector<int> ByteLevelBpe::encode(std::string_view text) const {
  std::vector<int> ids;
  for (const auto& w : gpt2PreTokenize(text)) {
    auto part = encodeWord(w);
    ids.insert(ids.end(), part.begin(), part.end());
  }
  return ids;
}

std::string ByteLevelBpe::decode(const std::vector<int>& ids) const {
  static const std::unordered_map<std::string, char> unicodeToByte = [] {
    std::unordered_map<std::string, char> m;
    for (int b = 0; b < 256; ++b) m[byteToUnicode()[b]] = static_cast<char>(b);
    return m;
  }();
  std::string out;
  for (int id : ids) {
    if (id == endOfTextId()) continue;
    const std::string& t = vocab_.at(id);
    for (size_t i = 0; i < t.size();) {
      const size_t len = (static_cast<unsigned char>(t[i]) < 0x80) ? 1 : (static_cast<unsigned char>(t[i]) < 0xE0 ? 2 : 3);
      out += unicodeToByte.at(t.substr(i, len));
      i += len;
    }
  }
  return out;
}

void ByteLevelBpe::writeHuggingFace(const std::filesystem::path& dir, int modelMaxLength) const {
  using ordered = nlohmann::ordered_json;
  auto byteLevel = [](bool prefixSpace) {
    return ordered{{"type", "ByteLevel"}, {"add_prefix_space", prefixSpace}, {"trim_offsets", true}, {"use_regex", true}};
  };
  ordered vocab = ordered::object();
  for (size_t i = 0; i < vocab_.size(); ++i) vocab[vocab_[i]] = i;
  ordered merges = ordered::array();
  for (auto [a, b] : merges_) merges.push_back(vocab_[a] + " " + vocab_[b]);
  const ordered eot{{"id", kEndOfText}, {"type_id", 0}};
  ordered tok{
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens",
       {{{"id", endOfTextId()}, {"content", kEndOfText}, {"single_word", false}, {"lstrip", false},
         {"rstrip", false}, {"normalized", false}, {"special", true}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", byteLevel(false)},
      // BOS first, as tokenizer_config.json's add_bos_token says.
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {{{"SpecialToken", eot}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
        {"pair",
         {{{"SpecialToken", eot}},
          {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
          {{"SpecialToken", eot}},
          {{"Sequence", {{"id", "B"}, {"type_id", 0}}}}}},
        {"special_tokens", {{kEndOfText, {{"id", kEndOfText}, {"ids", {endOfTextId()}}, {"tokens", {kEndOfText}}}}}}}},
      {"decoder", byteLevel(true)},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", ""},
        {"end_of_word_suffix", ""},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"vocab", vocab},
        {"merges", merges}}}};
  ordered config{{"add_bos_token", true},
                 {"add_eos_token", false},
                 {"bos_token", kEndOfText},
                 {"eos_token", kEndOfText},
                 {"unk_token", kEndOfText},
                 {"pad_token", nullptr},
                 {"clean_up_tokenization_spaces", false},
                 {"model_max_length", modelMaxLength},
                 {"tokenizer_class", "PreTrainedTokenizerFast"}};
  ordered specials{{"bos_token", kEndOfText}, {"eos_token", kEndOfText}, {"unk_token", kEndOfText}};
  auto write = [&](const char* name, const ordered& j) {
    std::ofstream out(dir / name);
    if (!out) throw Error((dir / name).string() + ": cannot write");
    out << j.dump(2) << "\n";
  };
  std::filesystem::create_directories(dir);
  write("tokenizer.json", tok);
  write("tokenizer_config.json", config);
  write("special_tokens_map.json", specials);
}

}  // namespace qs::demo
