#pragma once
// Conversation templates: how a chat model expects a conversation to be laid out, as FastChat's
// conversation.py writes them (system prompt, role names, separators, stop strings). MT-Bench and
// any task whose "chat" names a template format their turns with one; the model's own template is
// chosen from its folder (name, config.json, tokenizer_config.json) or by the user.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace qs {

// FastChat's SeparatorStyle values that the named templates use.
enum class ChatSeparatorStyle { AddColonSingle, AddColonTwo, NoColonSingle, Rwkv, Llama2, ChatMl, ChatGlm3, Gemma };

struct ChatTemplate {
  std::string name;
  std::string systemTemplate = "{system_message}";
  std::string systemMessage;
  std::string userRole, assistantRole;
  ChatSeparatorStyle style = ChatSeparatorStyle::AddColonSingle;
  std::string sep, sep2;
  std::vector<std::string> stops;  // FastChat's stop_str, plus the text of its stop tokens

  // FastChat's Conversation.get_prompt() for `history` (user, assistant) pairs followed by the
  // user turn `next` and an empty assistant message. A non-empty `system` replaces the default.
  std::string render(const std::vector<std::pair<std::string, std::string>>& history, const std::string& next,
                     const std::string& system = "") const;
};

// vicuna_v1.1, llama-2, mistral, chatglm3, gemma, falcon, zephyr, chatml, plain, raw.
const std::vector<std::string>& chatTemplateNames();
// Throws qs::Error naming the known templates.
const ChatTemplate& findChatTemplate(const std::string& name);

struct ChatTemplateChoice {
  std::string name;    // empty when nothing in the folder decides
  std::string reason;  // "model name 'vicuna-7b-v1.5'", "tokenizer_config.json chat_template has <|im_start|>"
};

// Recognises a model folder's template, in FastChat's model-adapter order: the folder name and
// config.json's _name_or_path ("vicuna", "longchat" -> vicuna_v1.1, "llama-2" -> llama-2, ...),
// then the markers of tokenizer_config.json's chat_template ("<|im_start|>" -> chatml, "[INST]" with
// "<<SYS>>" -> llama-2, else mistral, "<start_of_turn>" -> gemma, "<|user|>" -> zephyr), then
// config.json's model_type (chatglm, gemma, falcon, mistral, mixtral, qwen2).
ChatTemplateChoice detectChatTemplate(const std::filesystem::path& modelDir);

}  // namespace qs
