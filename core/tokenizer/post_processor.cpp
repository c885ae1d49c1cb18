#include "core/tokenizer/post_processor.h"

#include <nlohmann/json.hpp>

#include "core/base/error.h"

namespace qs {

namespace {

using nlohmann::json;

// TemplateProcessing's "single" template: special tokens before "$A" are the prefix, after it the suffix.
SpecialTokenFrame templateFrame(const json& spec, const std::string& where) {
  const json& single = spec.value("single", json());
  const json& specials = spec.value("special_tokens", json::object());
  if (!single.is_array()) throw Error(where + ": TemplateProcessing needs a \"single\" array");
  SpecialTokenFrame frame;
  bool seenSequence = false;
  for (const json& item : single) {
    if (item.contains("Sequence")) {
      seenSequence = true;
      continue;
    }
    if (!item.contains("SpecialToken") || !item["SpecialToken"].contains("id") || !item["SpecialToken"]["id"].is_string())
      throw Error(where + ": TemplateProcessing \"single\" items must be SpecialToken or Sequence");
    std::string name = item["SpecialToken"]["id"].get<std::string>();
    if (!specials.contains(name) || !specials[name].contains("ids") || !specials[name]["ids"].is_array())
      throw Error(where + ": TemplateProcessing uses '" + name + "' but special_tokens gives it no ids");
    auto& target = seenSequence ? frame.suffix : frame.prefix;
    for (const json& id : specials[name]["ids"]) {
      if (!id.is_number_integer()) throw Error(where + ": TemplateProcessing ids of '" + name + "' must be integers");
      target.push_back(id.get<int>());
    }
  }
  return frame;
}

// RobertaProcessing / BertProcessing: "cls" before, "sep" after, each given as [token, id].
SpecialTokenFrame clsSepFrame(const json& spec, const std::string& type, const std::string& where) {
  auto idOf = [&](const char* key) {
    const json& pair = spec.value(key, json());
    if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer())
      throw Error(where + ": " + type + " needs \"" + key + "\": [token, id]");
    return pair[1].get<int>();
  };
  return {{idOf("cls")}, {idOf("sep")}};
}

}  // namespace

std::optional<SpecialTokenFrame> specialFrameFromJson(const json& spec, const std::string& where) {
  if (spec.is_null()) return std::nullopt;
  if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
    throw Error(where + ": post_processor must be an object with a \"type\"");
  std::string type = spec["type"].get<std::string>();
  if (type == "ByteLevel") return SpecialTokenFrame{};
  if (type == "TemplateProcessing") return templateFrame(spec, where);
  if (type == "RobertaProcessing" || type == "BertProcessing") return clsSepFrame(spec, type, where);
  if (type == "Sequence") {
    SpecialTokenFrame frame;
    for (const json& step : spec.value("processors", json::array())) {
      auto inner = specialFrameFromJson(step, where);
      if (!inner) continue;
      // Each processor wraps what the previous ones produced.
      frame.prefix.insert(frame.prefix.begin(), inner->prefix.begin(), inner->prefix.end());
      frame.suffix.insert(frame.suffix.end(), inner->suffix.begin(), inner->suffix.end());
    }
    return frame;
  }
  throw Error(where + ": post_processor type '" + type +
              "' is not supported (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, "
              "Sequence)");
}

}  // namespace qs
