// quantscope-cli tokenize: a model folder's tokenizer on a text or file, or decoding ids.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/cli/cli_support.h"

namespace qs::cli {
namespace {

std::vector<int> parseIds(const std::string& text) {
  std::vector<int> ids;
  std::istringstream in(text);
  std::string item;
  while (in >> item) {
    try {
      size_t used = 0;
      ids.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError("--decode expects integer ids, got '" + item + "'");
    }
  }
  return ids;
}

int runTokenize(const std::vector<std::string>& argv) {
  Args args(argv, {"text", "file", "decode"}, {"no-special", "tokens"});
  if (printHelpIfAsked(args, "tokenize")) return kOk;
  if (args.positional().size() != 1) throw UsageError("expected one MODEL (or tokenizer) folder");
  int sources = args.has("text") + args.has("file") + args.has("decode");
  if (sources != 1) throw UsageError("give exactly one of --text, --file, --decode");
  auto tokenizer = loadTokenizer(args.positional()[0]);
  const bool special = !args.has("no-special");
  if (auto ids = args.value("decode")) {
    std::cout << tokenizer->decode(parseIds(*ids), !special) << "\n";
    return kOk;
  }
  const std::string text = args.has("text") ? *args.value("text") : readTextFile(*args.value("file"));
  auto start = std::chrono::steady_clock::now();
  auto ids = tokenizer->encode(text, special);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (args.has("tokens")) {
    for (int id : ids) std::cout << id << "\t" << tokenizer->tokenString(id) << "\n";
  } else {
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
  }
  std::fprintf(stderr, "%s, vocabulary %d: %zu bytes -> %zu tokens in %.3f s\n", tokenizer->kind().c_str(),
               tokenizer->vocabSize(), text.size(), ids.size(), seconds);
  return kOk;
}

const CommandRegistrar kRegister{{
    "tokenize",
    "encode a text or file with a model's tokenizer, or decode ids",
    "usage: quantscope-cli tokenize MODEL (--text TEXT | --file PATH | --decode \"ID ID ...\")\n"
    "                               [--no-special] [--tokens]\n\n"
    "Loads MODEL's tokenizer (tokenizer.json, vocab.json + merges.txt, or tokenizer.model) and prints\n"
    "the ids of TEXT or of the file, BOS/EOS added as its configuration says (--no-special: none).\n"
    "--tokens prints one \"id<TAB>token\" line per token. --decode prints the text of the ids, with\n"
    "special tokens dropped (--no-special keeps them). Kind, counts and time go to stderr.\n",
    runTokenize,
}};

}  // namespace
}  // namespace qs::cli
