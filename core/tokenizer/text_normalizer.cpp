#include "core/tokenizer/text_normalizer.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "core/base/error.h"
#include "core/tokenizer/pcre_regex.h"
#include "core/tokenizer/utf8.h"

namespace qs {

namespace {

using nlohmann::json;

std::string stringField(const json& spec, const char* key, const std::string& where) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_string())
    throw Error(where + ": " + spec.value("type", std::string("normalizer")) + " needs a string '" + key + "'");
  return it->get<std::string>();
}

class SequenceNormalizer : public TextNormalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<TextNormalizer>> steps) : steps_(std::move(steps)) {}
  std::string normalize(std::string_view text) const override {
    std::string out(text);
    for (const auto& step : steps_) out = step->normalize(out);
    return out;
  }

 private:
  std::vector<std::unique_ptr<TextNormalizer>> steps_;
};

class PrependNormalizer : public TextNormalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string_view text) const override {
    if (text.empty()) return {};
    return prefix_ + std::string(text);
  }

 private:
  std::string prefix_;
};

// Replace with a literal pattern ({"String": ...}) or a regular expression ({"Regex": ...}).
class ReplaceNormalizer : public TextNormalizer {
 public:
  ReplaceNormalizer(const json& spec, const std::string& where) {
    content_ = stringField(spec, "content", where);
    const json& pattern = spec.value("pattern", json::object());
    if (pattern.contains("String") && pattern["String"].is_string()) {
      literal_ = pattern["String"].get<std::string>();
    } else if (pattern.contains("Regex") && pattern["Regex"].is_string()) {
      regex_ = std::make_unique<PcreRegex>(pattern["Regex"].get<std::string>(), where + ": Replace normalizer");
    } else {
      throw Error(where + ": Replace normalizer needs pattern {\"String\": ...} or {\"Regex\": ...}");
    }
  }
  std::string normalize(std::string_view text) const override {
    if (regex_) return regex_->replaceAll(text, content_);
    if (literal_.empty()) return std::string(text);
    std::string out;
    size_t last = 0;
    for (size_t pos = text.find(literal_); pos != std::string_view::npos; pos = text.find(literal_, last)) {
      out.append(text.substr(last, pos - last));
      out.append(content_);
      last = pos + literal_.size();
    }
    out.append(text.substr(last));
    return out;
  }

 private:
  std::string literal_;
  std::unique_ptr<PcreRegex> regex_;
  std::string content_;
};

bool isUnicodeWhitespace(char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)); }

class StripNormalizer : public TextNormalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string_view text) const override {
    size_t begin = 0;
    size_t end = text.size();
    if (left_) {
      char32_t cp = 0;
      size_t n = 0;
      while (begin < end && (n = utf8::decode(text, begin, cp)) && isUnicodeWhitespace(cp)) begin += n;
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        char32_t cp = 0;
        if (!utf8::decode(text, start, cp) || !isUnicodeWhitespace(cp)) break;
        end = start;
      }
    }
    return std::string(text.substr(begin, end - begin));
  }

 private:
  bool left_;
  bool right_;
};

// Unicode normalization forms through ICU (ASCII is invariant under all four).
class UnicodeFormNormalizer : public TextNormalizer {
 public:
  UnicodeFormNormalizer(const std::string& form, const std::string& where) : form_(form) {
    UErrorCode status = U_ZERO_ERROR;
    if (form == "NFC") instance_ = unorm2_getNFCInstance(&status);
    else if (form == "NFD") instance_ = unorm2_getNFDInstance(&status);
    else if (form == "NFKC") instance_ = unorm2_getNFKCInstance(&status);
    else instance_ = unorm2_getNFKDInstance(&status);
    if (U_FAILURE(status) || !instance_)
      throw Error(where + ": ICU could not provide the " + form + " normalizer: " + u_errorName(status));
  }
  std::string normalize(std::string_view text) const override {
    bool ascii = true;
    for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) return std::string(text);
    std::u16string wide = toUtf16(text);
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = unorm2_normalize(instance_, wide.data(), static_cast<int32_t>(wide.size()), nullptr, 0, &status);
    std::u16string normalized(needed, u'\0');
    status = U_ZERO_ERROR;
    unorm2_normalize(instance_, wide.data(), static_cast<int32_t>(wide.size()), normalized.data(), needed, &status);
    if (U_FAILURE(status)) throw Error(form_ + " normalization failed: " + u_errorName(status));
    return toUtf8(normalized);
  }

 private:
  static std::u16string toUtf16(std::string_view text) {
    std::u16string out;
    for (size_t pos = 0; pos < text.size();) {
      char32_t cp = 0;
      size_t n = utf8::decode(text, pos, cp);
      if (!n) {
        cp = 0xFFFD;
        n = 1;
      }
      if (cp >= 0x10000) {
        out += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
        out += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else {
        out += static_cast<char16_t>(cp);
      }
      pos += n;
    }
    return out;
  }
  static std::string toUtf8(const std::u16string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      char32_t cp = text[i];
      if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < text.size()) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (text[i + 1] - 0xDC00);
        ++i;
      }
      utf8::append(out, cp);
    }
    return out;
  }

  std::string form_;
  const UNormalizer2* instance_ = nullptr;
};

// Per-character lowercase as Rust's char::to_lowercase (no context rules such as final sigma).
class LowercaseNormalizer : public TextNormalizer {
 public:
  std::string normalize(std::string_view text) const override {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
      char32_t cp = 0;
      size_t n = utf8::decode(text, pos, cp);
      if (!n) {
        out += text[pos++];
        continue;
      }
      if (cp == 0x130) {
        out += "i\xCC\x87";  // the one code point whose lowercase is two code points
      } else {
        utf8::append(out, static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp))));
      }
      pos += n;
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<TextNormalizer> TextNormalizer::fromJson(const json& spec, const std::string& where) {
  if (spec.is_null()) return nullptr;
  if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
    throw Error(where + ": normalizer must be an object with a \"type\"");
  std::string type = spec["type"].get<std::string>();
  if (type == "Sequence") {
    std::vector<std::unique_ptr<TextNormalizer>> steps;
    const json& list = spec.value("normalizers", json::array());
    if (!list.is_array()) throw Error(where + ": Sequence normalizer needs an array 'normalizers'");
    for (const json& step : list)
      if (auto normalizer = fromJson(step, where)) steps.push_back(std::move(normalizer));
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(stringField(spec, "prepend", where));
  if (type == "Replace") return std::make_unique<ReplaceNormalizer>(spec, where);
  if (type == "Strip")
    return std::make_unique<StripNormalizer>(spec.value("strip_left", true), spec.value("strip_right", true));
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD")
    return std::make_unique<UnicodeFormNormalizer>(type, where);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  throw Error(where + ": normalizer type '" + type +
              "' is not supported (supported: Sequence, Prepend, Replace, Strip, NFC, NFD, NFKC, NFKD, Lowercase)");
}

}  // namespace qs
