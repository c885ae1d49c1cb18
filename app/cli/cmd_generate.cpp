// quantscope-cli generate: greedy continuation of a prompt.
#include <iostream>

#include "app/cli/cli_support.h"
#include "core/model/generation.h"

namespace qs::cli {
namespace {

int runGenerate(const std::vector<std::string>& argv) {
  Args args(argv, {"prompt", "max-tokens", "device", "dtype"}, {"ids"});
  if (printHelpIfAsked(args, "generate")) return kOk;
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder");
  auto prompt = args.value("prompt");
  if (!prompt) throw UsageError("--prompt is required");
  const std::string dir = args.positional()[0];
  auto tokenizer = loadTokenizer(dir);
  auto model = loadModel(dir, args);
  auto ids32 = tokenizer->encode(*prompt, true);
  std::vector<int64_t> ids(ids32.begin(), ids32.end());
  GreedyOptions options;
  options.maxNewTokens = static_cast<int>(args.integer("max-tokens", 64));
  options.eosTokenId = tokenizer->eosId();
  auto out = greedyGenerate(*model, ids, options);
  std::vector<int> all(ids32.begin(), ids32.end());
  all.insert(all.end(), out.begin(), out.end());
  std::cout << tokenizer->decode(all, true) << "\n";
  if (args.has("ids")) {
    std::cout << "ids:";
    for (int id : all) std::cout << " " << id;
    std::cout << "\n";
  }
  return kOk;
}

const CommandRegistrar kRegister{{
    "generate",
    "greedy continuation of a prompt (KV-cached decoding)",
    "usage: quantscope-cli generate MODEL --prompt TEXT [--max-tokens N] [--device D] [--dtype T] [--ids]\n\n"
    "Tokenizes TEXT with the model's tokenizer (BOS as its configuration says), decodes greedily\n"
    "with the KV cache for up to N tokens (default 64) or until EOS, and prints prompt + continuation.\n"
    "--ids also prints the token ids.\n",
    runGenerate,
}};

}  // namespace
}  // namespace qs::cli
