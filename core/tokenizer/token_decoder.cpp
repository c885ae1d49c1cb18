#include "core/tokenizer/token_decoder.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/byte_level.h"
#include "core/base/error.h"
#include "core/tokenizer/pcre_regex.h"
#include "core/tokenizer/utf8.h"

namespace qs {

namespace {

using nlohmann::json;

class SequenceDecoder : public TokenDecoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<TokenDecoder>> steps) : steps_(std::move(steps)) {}
  void apply(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->apply(tokens);
  }

 private:
  std::vector<std::unique_ptr<TokenDecoder>> steps_;
};

// All tokens to one string of bytes; a token holding a character outside the byte table is
// taken as its own UTF-8 (tokenizers does the same for added tokens).
class ByteLevelDecoder : public TokenDecoder {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) appendBytes(token, bytes);
    tokens.assign(1, utf8::lossy(bytes));
  }

 private:
  static void appendBytes(const std::string& token, std::string& bytes) {
    size_t mark = bytes.size();
    for (size_t pos = 0; pos < token.size();) {
      char32_t cp = 0;
      size_t n = utf8::decode(token, pos, cp);
      int b = n ? byte_level::charToByte(cp) : -1;
      if (b < 0) {
        bytes.resize(mark);
        bytes += token;
        return;
      }
      bytes += static_cast<char>(b);
      pos += n;
    }
  }
};

// tokenizers' Metaspace decoder: the replacement becomes a space, except in the first token,
// where every replacement is dropped when a prefix was being prepended.
class MetaspaceDecoder : public TokenDecoder {
 public:
  MetaspaceDecoder(std::string replacement, bool prefixed) : replacement_(std::move(replacement)), prefixed_(prefixed) {}
  void apply(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& token = tokens[i];
      for (size_t pos = 0; pos < token.size();) {
        if (!replacement_.empty() && token.compare(pos, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && prefixed_)) out += ' ';
          pos += replacement_.size();
        } else {
          out += token[pos++];
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool prefixed_;
};

class ReplaceDecoder : public TokenDecoder {
 public:
  ReplaceDecoder(const json& spec, const std::string& where) {
    if (!spec.contains("content") || !spec["content"].is_string())
      throw Error(where + ": Replace decoder needs a string 'content'");
    content_ = spec["content"].get<std::string>();
    const json& pattern = spec.value("pattern", json::object());
    if (pattern.contains("String") && pattern["String"].is_string())
      literal_ = pattern["String"].get<std::string>();
    else if (pattern.contains("Regex") && pattern["Regex"].is_string())
      regex_ = std::make_unique<PcreRegex>(pattern["Regex"].get<std::string>(), where + ": Replace decoder");
    else
      throw Error(where + ": Replace decoder needs pattern {\"String\": ...} or {\"Regex\": ...}");
  }
  void apply(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) token = replace(token);
  }

 private:
  std::string replace(const std::string& token) const {
    if (regex_) return regex_->replaceAll(token, content_);
    if (literal_.empty()) return token;
    std::string out;
    size_t last = 0;
    for (size_t pos = token.find(literal_); pos != std::string::npos; pos = token.find(literal_, last)) {
      out.append(token, last, pos - last);
      out += content_;
      last = pos + literal_.size();
    }
    out.append(token, last, std::string::npos);
    return out;
  }

  std::string literal_;
  std::unique_ptr<PcreRegex> regex_;
  std::string content_;
};

// Runs of "<0xNN>" tokens become their bytes; a run that is not valid UTF-8 becomes one U+FFFD
// per byte.
class ByteFallbackDecoder : public TokenDecoder {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    size_t pendingCount = 0;
    auto flush = [&] {
      if (!pendingCount) return;
      if (utf8::isValid(pending)) {
        out.push_back(pending);
      } else {
        for (size_t i = 0; i < pendingCount; ++i) out.emplace_back(utf8::kReplacementChar);
      }
      pending.clear();
      pendingCount = 0;
    };
    for (std::string& token : tokens) {
      int byte = parseByteToken(token);
      if (byte >= 0) {
        pending += static_cast<char>(byte);
        ++pendingCount;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static int parseByteToken(const std::string& token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
    int hi = hexDigit(token[3]);
    int lo = hexDigit(token[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }
};

class FuseDecoder : public TokenDecoder {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class StripDecoder : public TokenDecoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void apply(std::vector<std::string>& tokens) const override {
    if (content_.empty()) return;
    for (std::string& token : tokens) {
      size_t begin = 0;
      for (size_t i = 0; i < start_ && token.compare(begin, content_.size(), content_) == 0; ++i)
        begin += content_.size();
      size_t end = token.size();
      for (size_t i = 0; i < stop_ && end >= begin + content_.size() &&
                         token.compare(end - content_.size(), content_.size(), content_) == 0;
           ++i)
        end -= content_.size();
      token = token.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_;
  size_t stop_;
};

// The BPE suffix decoder: the end-of-word suffix becomes a space (nothing after the last token).
class SuffixDecoder : public TokenDecoder {
 public:
  explicit SuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void apply(std::vector<std::string>& tokens) const override {
    if (suffix_.empty()) return;
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string replacement = i + 1 == tokens.size() ? "" : " ";
      std::string out;
      const std::string& token = tokens[i];
      size_t last = 0;
      for (size_t pos = token.find(suffix_); pos != std::string::npos; pos = token.find(suffix_, last)) {
        out.append(token, last, pos - last);
        out += replacement;
        last = pos + suffix_.size();
      }
      out.append(token, last, std::string::npos);
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string suffix_;
};

std::unique_ptr<TokenDecoder> metaspaceDecoder(const json& spec, const std::string& where) {
  bool prefixed = spec.value("add_prefix_space", true);
  if (spec.contains("prepend_scheme") && spec["prepend_scheme"].is_string())
    prefixed = spec["prepend_scheme"].get<std::string>() != "never";
  return std::make_unique<MetaspaceDecoder>(spec.value("replacement", std::string("\xE2\x96\x81")), prefixed);
}

}  // namespace

std::unique_ptr<TokenDecoder> TokenDecoder::byteLevel() { return std::make_unique<ByteLevelDecoder>(); }

std::unique_ptr<TokenDecoder> TokenDecoder::fromJson(const json& spec, const std::string& where) {
  if (spec.is_null()) return nullptr;
  if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
    throw Error(where + ": decoder must be an object with a \"type\"");
  std::string type = spec["type"].get<std::string>();
  if (type == "Sequence") {
    std::vector<std::unique_ptr<TokenDecoder>> steps;
    const json& list = spec.value("decoders", json::array());
    if (!list.is_array()) throw Error(where + ": Sequence decoder needs an array 'decoders'");
    for (const json& step : list)
      if (auto decoder = fromJson(step, where)) steps.push_back(std::move(decoder));
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  if (type == "ByteLevel") return byteLevel();
  if (type == "Metaspace") return metaspaceDecoder(spec, where);
  if (type == "Replace") return std::make_unique<ReplaceDecoder>(spec, where);
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip")
    return std::make_unique<StripDecoder>(spec.value("content", std::string(" ")), spec.value("start", size_t{0}),
                                          spec.value("stop", size_t{0}));
  if (type == "BPEDecoder") return std::make_unique<SuffixDecoder>(spec.value("suffix", std::string("</w>")));
  throw Error(where + ": decoder type '" + type +
              "' is not supported (supported: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, "
              "BPEDecoder, Sequence)");
}

std::string decodeTokens(const TokenDecoder* decoder, std::vector<std::string> tokens) {
  std::string out;
  if (!decoder) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out += ' ';
      out += tokens[i];
    }
    return out;
  }
  decoder->apply(tokens);
  for (const std::string& token : tokens) out += token;
  return out;
}

}  // namespace qs
