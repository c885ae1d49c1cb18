#pragma once
// The special tokens a tokenizer.json post_processor puts around a single sequence
// (TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace qs {

struct SpecialTokenFrame {
  std::vector<int> prefix;  // e.g. BOS
  std::vector<int> suffix;  // e.g. EOS
};

// nullopt for a JSON null (no post-processor); `where` names the file for errors.
std::optional<SpecialTokenFrame> specialFrameFromJson(const nlohmann::json& spec, const std::string& where);

}  // namespace qs
