#pragma once
// Prompt templates of task files. Syntax:
//   {path}                 a document field ("question", "question.stem", "turns[1]")
//   {path|strip|lower}     with filters: strip, rstrip, lower, upper, capitalize, letter (0 -> "A"), json
//   {#each path}...{/each} repeats the body for each element of a list field; inside it
//                          {.} is the element, {.field} a field of it, {@index} (0-based),
//                          {@number} (1-based) and {@letter} ("A", "B", ...)
//   {{ and }}              literal braces
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace qs {

class PromptTemplate {
 public:
  PromptTemplate() = default;
  // `where` names the template in error messages ("arc_easy.json: field 'doc_to_text'").
  // Throws qs::Error on unbalanced braces, an unknown filter or an unclosed {#each}.
  static PromptTemplate parse(const std::string& text, const std::string& where);

  // Throws qs::Error naming the template and the missing or non-text field.
  std::string render(const nlohmann::json& doc) const;
  bool empty() const { return nodes_.empty(); }
  const std::string& source() const { return source_; }

  struct Node;

 private:
  std::string source_;
  std::string where_;
  std::vector<std::shared_ptr<const Node>> nodes_;
};

}  // namespace qs
