#include "tasks/chat_template.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base/error.h"
#include "core/base/json_text.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using Style = ChatSeparatorStyle;

// The roles and messages of a conversation, FastChat's Conversation.messages; an empty message
// is the open assistant turn ("if message:" in Python is false for "").
using Messages = std::vector<std::pair<std::string, std::string>>;

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

std::string strip(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\f\v");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n\f\v") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// One branch per SeparatorStyle of FastChat's get_prompt().
std::string renderMessages(const ChatTemplate& t, const std::string& system, const Messages& m) {
  const std::string sys = replaceAll(t.systemTemplate, "{system_message}", system);
  std::string ret;
  switch (t.style) {
    case Style::AddColonSingle:
      ret = sys + t.sep;
      for (const auto& [role, msg] : m) ret += msg.empty() ? role + ":" : role + ": " + msg + t.sep;
      return ret;
    case Style::AddColonTwo:
      ret = sys + t.sep;
      for (size_t i = 0; i < m.size(); ++i)
        ret += m[i].second.empty() ? m[i].first + ":" : m[i].first + ": " + m[i].second + (i % 2 ? t.sep2 : t.sep);
      return ret;
    case Style::NoColonSingle:
      ret = sys;
      for (const auto& [role, msg] : m) ret += msg.empty() ? role : role + msg + t.sep;
      return ret;
    case Style::Rwkv:
      ret = sys;
      for (const auto& [role, msg] : m)
        ret += msg.empty() ? role + ":" : role + ": " + replaceAll(replaceAll(msg, "\r\n", "\n"), "\n\n", "\n") + "\n\n";
      return ret;
    case Style::Llama2:
      ret = system.empty() ? "[INST] " : sys;
      for (size_t i = 0; i < m.size(); ++i) {
        if (m[i].second.empty()) ret += m[i].first;
        else if (i == 0) ret += m[i].second + " ";
        else ret += m[i].first + " " + m[i].second + (i % 2 ? t.sep2 : t.sep);
      }
      return ret;
    case Style::ChatMl:
      ret = sys.empty() ? "" : sys + t.sep + "\n";
      for (const auto& [role, msg] : m) ret += msg.empty() ? role + "\n" : role + "\n" + msg + t.sep + "\n";
      return ret;
    case Style::ChatGlm3:
      if (!system.empty()) ret = sys;
      for (const auto& [role, msg] : m) ret += msg.empty() ? role : role + "\n" + msg;
      return ret;
    case Style::Gemma:
      ret = "<bos>";
      for (const auto& [role, msg] : m) ret += "<start_of_turn>" + role + "\n" + (msg.empty() ? "" : msg + t.sep);
      return ret;
  }
  return ret;
}

ChatTemplate make(std::string name, std::string systemTemplate, std::string systemMessage, std::string user,
                  std::string assistant, Style style, std::string sep, std::string sep2,
                  std::vector<std::string> stops) {
  return ChatTemplate{std::move(name), std::move(systemTemplate), std::move(systemMessage), std::move(user),
                      std::move(assistant), style, std::move(sep), std::move(sep2), std::move(stops)};
}

// The registrations of FastChat's conversation.py (commit 2e7855b), field for field.
const std::map<std::string, ChatTemplate>& templates() {
  static const std::map<std::string, ChatTemplate> t = [] {
    const std::string vicunaSystem =
        "A chat between a curious user and an artificial intelligence assistant. "
        "The assistant gives helpful, detailed, and polite answers to the user's questions.";
    const std::string zeroShotSystem =
        "A chat between a curious human and an artificial intelligence assistant. "
        "The assistant gives helpful, detailed, and polite answers to the human's questions.";
    std::map<std::string, ChatTemplate> m;
    for (auto c : {
             make("vicuna_v1.1", "{system_message}", vicunaSystem, "USER", "ASSISTANT", Style::AddColonTwo, " ",
                  "</s>", {"</s>"}),
             make("llama-2", "[INST] <<SYS>>\n{system_message}\n<</SYS>>\n\n", "", "[INST]", "[/INST]", Style::Llama2,
                  " ", " </s><s>", {"</s>"}),
             make("mistral", "[INST] {system_message}\n", "", "[INST]", "[/INST]", Style::Llama2, " ", "</s>", {"</s>"}),
             // stop_token_ids <|user|>, <|observation|>, </s>
             make("chatglm3", "<|system|>\n{system_message}", "", "<|user|>", "<|assistant|>", Style::ChatGlm3, "", "",
                  {"<|user|>", "<|observation|>", "</s>"}),
             make("gemma", "{system_message}", "", "user", "model", Style::Gemma, "<end_of_turn>\n", "", {"<end_of_turn>"}),
             make("falcon", "{system_message}", "", "User", "Assistant", Style::Rwkv, "\n", "<|endoftext|>",
                  {"\nUser", "<|endoftext|>"}),
             make("zephyr", "<|system|>\n{system_message}", "", "<|user|>", "<|assistant|>", Style::ChatMl, "</s>", "",
                  {"</s>"}),
             // FastChat's ChatML registration for Qwen chat models (qwen-7b-chat).
             make("chatml", "<|im_start|>system\n{system_message}", "You are a helpful assistant.", "<|im_start|>user",
                  "<|im_start|>assistant", Style::ChatMl, "<|im_end|>", "", {"<|im_end|>", "<|endoftext|>", "<|im_start|>"}),
             // FastChat's zero_shot: its default one_shot template without the example exchange.
             make("plain", "{system_message}", zeroShotSystem, "Human", "Assistant", Style::AddColonSingle, "\n### ", "",
                  {"###"}),
             make("raw", "{system_message}", "", "", "", Style::NoColonSingle, "", "", {}),
         })
      m.emplace(c.name, c);
    return m;
  }();
  return t;
}

nlohmann::json readJsonIfPresent(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return nlohmann::json::object();
  std::ostringstream text;
  text << in.rdbuf();
  return parseJson(text.str(), file.string());  // with the nesting limit of every untrusted file
}

// FastChat matches adapters on the model path, in its registration order.
ChatTemplateChoice byName(const std::string& name) {
  const std::string n = lower(name);
  auto has = [&](const char* s) { return n.find(s) != std::string::npos; };
  std::string t;
  if (has("vicuna") || has("longchat")) t = "vicuna_v1.1";
  else if (has("chatglm3")) t = "chatglm3";
  else if (has("zephyr")) t = "zephyr";
  else if (has("gemma")) t = "gemma";
  else if (has("falcon") && !has("chat")) t = "falcon";
  else if (has("mistral") || has("mixtral")) t = "mistral";
  else if (has("llama-2") || has("llama2")) t = "llama-2";
  else if (has("qwen")) t = "chatml";
  if (t.empty()) return {};
  return {t, "model name '" + name + "'"};
}

ChatTemplateChoice byChatTemplateText(const std::string& text, const std::string& modelType) {
  auto has = [&](const char* s) { return text.find(s) != std::string::npos; };
  std::string t, marker;
  if (has("<|im_start|>")) t = "chatml", marker = "<|im_start|>";
  else if (has("<start_of_turn>")) t = "gemma", marker = "<start_of_turn>";
  else if (has("[INST]")) t = has("<<SYS>>") ? "llama-2" : "mistral", marker = has("<<SYS>>") ? "[INST] and <<SYS>>" : "[INST]";
  else if (has("<|user|>")) t = modelType == "chatglm" ? "chatglm3" : "zephyr", marker = "<|user|>";
  else if (has("USER:") && has("ASSISTANT:")) t = "vicuna_v1.1", marker = "USER: / ASSISTANT:";
  if (t.empty()) return {};
  return {t, "tokenizer_config.json chat_template has " + marker};
}

ChatTemplateChoice byModelType(const std::string& type) {
  static const std::map<std::string, std::string> m{{"chatglm", "chatglm3"}, {"gemma", "gemma"},   {"falcon", "falcon"},
                                                    {"RefinedWeb", "falcon"}, {"RefinedWebModel", "falcon"},
                                                    {"mistral", "mistral"}, {"mixtral", "mistral"}, {"qwen2", "chatml"}};
  auto it = m.find(type);
  if (it == m.end()) return {};
  return {it->second, "config.json model_type '" + type + "'"};
}

}  // namespace

std::string ChatTemplate::render(const std::vector<std::pair<std::string, std::string>>& history,
                                 const std::string& next, const std::string& system) const {
  Messages m;
  for (const auto& [u, a] : history) {
    m.emplace_back(userRole, u);
    m.emplace_back(assistantRole, a);
  }
  m.emplace_back(userRole, next);
  m.emplace_back(assistantRole, "");
  return renderMessages(*this, system.empty() ? systemMessage : system, m);
}

const std::vector<std::string>& chatTemplateNames() {
  static const std::vector<std::string> names{"vicuna_v1.1", "llama-2", "mistral", "chatglm3", "gemma",
                                              "falcon",      "zephyr",  "chatml",  "plain",    "raw"};
  return names;
}

const ChatTemplate& findChatTemplate(const std::string& name) {
  auto it = templates().find(name);
  if (it != templates().end()) return it->second;
  std::string known;
  for (const auto& n : chatTemplateNames()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown chat template '" + name + "' (known: " + known + ")");
}

ChatTemplateChoice detectChatTemplate(const fs::path& modelDir) {
  if (modelDir.empty()) return {};
  const nlohmann::json config = readJsonIfPresent(modelDir / "config.json");
  const std::string folder = fs::path(modelDir).lexically_normal().filename().empty()
                                 ? fs::path(modelDir).lexically_normal().parent_path().filename().string()
                                 : fs::path(modelDir).lexically_normal().filename().string();
  if (auto c = byName(folder); !c.name.empty()) return c;
  if (config.contains("_name_or_path") && config["_name_or_path"].is_string())
    if (auto c = byName(config["_name_or_path"].get<std::string>()); !c.name.empty()) return c;
  const std::string modelType = config.value("model_type", std::string());
  const nlohmann::json tok = readJsonIfPresent(modelDir / "tokenizer_config.json");
  if (tok.contains("chat_template")) {
    // A string, or a list of {"name", "template"} (the "default" one is used).
    std::string text;
    if (tok["chat_template"].is_string()) text = tok["chat_template"].get<std::string>();
    else if (tok["chat_template"].is_array())
      for (const auto& e : tok["chat_template"])
        if (e.is_object() && e.value("name", "") == "default") text = e.value("template", "");
    if (auto c = byChatTemplateText(text, modelType); !c.name.empty()) return c;
  }
  return byModelType(modelType);
}

}  // namespace qs
