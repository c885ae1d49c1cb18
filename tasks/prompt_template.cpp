#include "tasks/prompt_template.h"

#include <algorithm>
#include <cctype>

#include "core/base/error.h"
#include "tasks/json_path.h"

namespace qs {

struct PromptTemplate::Node {
  enum class Kind { Literal, Field, Item, Meta, Each } kind = Kind::Literal;
  std::string text;  // literal text, field path, item sub-path or meta name
  std::vector<std::string> filters;
  std::vector<std::shared_ptr<const Node>> body;  // Each
};

namespace {

using NodePtr = std::shared_ptr<const PromptTemplate::Node>;
using Node = PromptTemplate::Node;

const std::vector<std::string>& knownFilters() {
  static const std::vector<std::string> f{"strip", "rstrip", "lower", "upper", "capitalize", "letter", "json"};
  return f;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> splitBar(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t bar = s.find('|', start);
    out.push_back(trim(s.substr(start, bar == std::string::npos ? std::string::npos : bar - start)));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& where) : text_(text), where_(where) {}

  std::vector<NodePtr> parseUntil(bool insideEach) {
    std::vector<NodePtr> nodes;
    std::string literal;
    auto flush = [&] {
      if (literal.empty()) return;
      auto n = std::make_shared<Node>();
      n->text = literal;
      nodes.push_back(n);
      literal.clear();
    };
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '{' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        literal += '{';
        pos_ += 2;
        continue;
      }
      if (c == '}' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '}') {
        literal += '}';
        pos_ += 2;
        continue;
      }
      if (c == '}') fail("'}' without a matching '{' (write '}}' for a literal brace)");
      if (c != '{') {
        literal += c;
        ++pos_;
        continue;
      }
      size_t close = text_.find('}', pos_);
      if (close == std::string::npos) fail("'{' without a matching '}' (write '{{' for a literal brace)");
      std::string inner = trim(text_.substr(pos_ + 1, close - pos_ - 1));
      size_t tagStart = pos_;
      pos_ = close + 1;
      if (inner.empty()) fail("empty placeholder '{}'");
      flush();
      if (inner == "/each") {
        if (!insideEach) failAt(tagStart, "{/each} without {#each}");
        closed_ = true;
        return nodes;
      }
      if (inner.rfind("#each", 0) == 0) {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::Each;
        n->text = trim(inner.substr(5));
        if (n->text.empty()) failAt(tagStart, "{#each} needs a list field");
        closed_ = false;
        n->body = parseUntil(true);
        if (!closed_) failAt(tagStart, "{#each " + n->text + "} is never closed by {/each}");
        closed_ = false;
        nodes.push_back(n);
        continue;
      }
      nodes.push_back(placeholder(inner, insideEach, tagStart));
    }
    flush();
    return nodes;
  }

 private:
  NodePtr placeholder(const std::string& inner, bool insideEach, size_t at) {
    auto parts = splitBar(inner);
    auto n = std::make_shared<Node>();
    const std::string& head = parts[0];
    if (head.empty()) failAt(at, "placeholder '{" + inner + "}' has no field");
    if (head[0] == '.') {
      if (!insideEach) failAt(at, "'{" + inner + "}' refers to a list element outside {#each}");
      n->kind = Node::Kind::Item;
      n->text = head.substr(1);
    } else if (head[0] == '@') {
      if (!insideEach) failAt(at, "'{" + inner + "}' is only valid inside {#each}");
      n->kind = Node::Kind::Meta;
      n->text = head.substr(1);
      if (n->text != "index" && n->text != "number" && n->text != "letter")
        failAt(at, "unknown '{" + head + "}' (known: @index, @number, @letter)");
    } else {
      n->kind = Node::Kind::Field;
      n->text = head;
    }
    for (size_t i = 1; i < parts.size(); ++i) {
      const auto& f = knownFilters();
      if (std::find(f.begin(), f.end(), parts[i]) == f.end())
        failAt(at, "unknown filter '" + parts[i] + "' (known: strip, rstrip, lower, upper, capitalize, letter, json)");
      n->filters.push_back(parts[i]);
    }
    return n;
  }

  [[noreturn]] void fail(const std::string& what) { failAt(pos_, what); }
  [[noreturn]] void failAt(size_t at, const std::string& what) {
    throw Error(where_ + ": template error at character " + std::to_string(at) + ": " + what);
  }

  const std::string& text_;
  const std::string& where_;
  size_t pos_ = 0;
  bool closed_ = false;
};

std::string applyFilter(const std::string& name, const nlohmann::json& value, std::string text) {
  if (name == "strip") return trim(text);
  if (name == "rstrip") return text.substr(0, text.find_last_not_of(" \t\r\n") + 1);  // npos + 1 == 0
  if (name == "lower") {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
  }
  if (name == "upper") {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
    return text;
  }
  if (name == "capitalize") {
    if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    return text;
  }
  if (name == "letter") {
    int64_t i = std::stoll(text);
    return std::string(1, static_cast<char>('A' + i));
  }
  return text;  // json handled by the caller
}

struct Scope {
  const nlohmann::json* doc;
  const nlohmann::json* item = nullptr;
  size_t index = 0;
};

void renderNodes(const std::vector<NodePtr>& nodes, const Scope& scope, const std::string& where,
                 std::string& out);

std::string valueText(const Node& n, const nlohmann::json& value, const std::string& where) {
  bool json = std::find(n.filters.begin(), n.filters.end(), "json") != n.filters.end();
  std::string text = json ? value.dump() : jsonScalarText(value, where + ": field '" + n.text + "'");
  for (const auto& f : n.filters)
    if (f != "json") text = applyFilter(f, value, text);
  return text;
}

void renderNode(const Node& n, const Scope& scope, const std::string& where, std::string& out) {
  switch (n.kind) {
    case Node::Kind::Literal:
      out += n.text;
      return;
    case Node::Kind::Field: {
      auto v = resolveJsonPath(*scope.doc, n.text);
      if (!v) throw Error(where + ": the document has no field '" + n.text + "'");
      out += valueText(n, *v, where);
      return;
    }
    case Node::Kind::Item: {
      std::optional<nlohmann::json> v = n.text.empty() ? std::optional<nlohmann::json>(*scope.item)
                                                       : resolveJsonPath(*scope.item, n.text);
      if (!v) throw Error(where + ": a list element has no field '" + n.text + "'");
      out += valueText(n, *v, where);
      return;
    }
    case Node::Kind::Meta: {
      std::string t = n.text == "index"    ? std::to_string(scope.index)
                      : n.text == "number" ? std::to_string(scope.index + 1)
                                           : std::string(1, static_cast<char>('A' + scope.index));
      out += t;
      return;
    }
    case Node::Kind::Each: {
      auto v = resolveJsonPath(*scope.doc, n.text);
      if (!v) throw Error(where + ": the document has no field '" + n.text + "'");
      if (!v->is_array()) throw Error(where + ": field '" + n.text + "' is not a list ({#each} needs one)");
      for (size_t i = 0; i < v->size(); ++i) {
        Scope inner{scope.doc, &(*v)[i], i};
        renderNodes(n.body, inner, where, out);
      }
      return;
    }
  }
}

void renderNodes(const std::vector<NodePtr>& nodes, const Scope& scope, const std::string& where,
                 std::string& out) {
  for (const auto& n : nodes) renderNode(*n, scope, where, out);
}

}  // namespace

PromptTemplate PromptTemplate::parse(const std::string& text, const std::string& where) {
  PromptTemplate t;
  t.source_ = text;
  t.where_ = where;
  Parser p(text, where);
  t.nodes_ = p.parseUntil(false);
  return t;
}

std::string PromptTemplate::render(const nlohmann::json& doc) const {
  std::string out;
  renderNodes(nodes_, Scope{&doc}, where_, out);
  return out;
}

}  // namespace qs
