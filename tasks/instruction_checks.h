#pragma once
// IFEval's verifiable instructions (Zhou et al. 2023) as C++ checks registered by instruction id
// ("punctuation:no_comma", "length_constraints:number_words", ...), ported from
// lm-evaluation-harness's ifeval/instructions.py (itself Google's). Each check sees the response,
// the instruction's kwargs (null values removed, as lm-eval does) and the prompt.
// Known differences: change_case:english_* check the case only (the reference also asks langdetect
// for English), length_constraints:number_sentences counts with IFEval's rule-based
// split_into_sentences instead of NLTK's Punkt model, change_case:capital_word_frequency tokenizes
// words (hyphenated words count as one) instead of with NLTK's word_tokenize, and case is folded for
// ASCII letters only. language:response_language needs langdetect and is reported unsupported.
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

using InstructionCheck =
    std::function<bool(const std::string& response, const nlohmann::json& kwargs, const std::string& prompt)>;

void registerInstructionCheck(const std::string& id, InstructionCheck check);
// nullptr for an unknown or unsupported id.
const InstructionCheck* findInstructionCheck(const std::string& id);
// Ids a real IFEval file uses that no check can verify here (language:response_language).
bool isUnsupportedInstruction(const std::string& id);

// Whether `response` follows instruction `id`: strict = the response as given (and non-empty);
// loose = any of IFEval's eight variants (first / last / both lines removed, asterisks removed)
// passes. nullopt when the instruction is unsupported. Throws qs::Error for an unknown id.
std::optional<bool> followsStrict(const std::string& id, const std::string& response, const nlohmann::json& kwargs,
                                  const std::string& prompt);
std::optional<bool> followsLoose(const std::string& id, const std::string& response, const nlohmann::json& kwargs,
                                 const std::string& prompt);

// IFEval's helpers, exposed for tests.
std::vector<std::string> looseResponseVariants(const std::string& response);
std::vector<std::string> splitIntoSentences(const std::string& text);  // instructions_util.split_into_sentences
int64_t countIfevalWords(const std::string& text);                     // RegexpTokenizer(r"\w+")

}  // namespace qs
