// quantscope-cli generate: greedy continuation of a prompt.
#include <iostream>

#include "app/cli/cli_support.h"
#include "core/base/error.h"
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
  // Generation stops at the model's context limit: say so up front instead of stopping early in silence.
  const int64_t limit = model->capabilities().contextLimit;
  if (static_cast<int64_t>(ids.size()) >= limit)
    throw Error(dir + ": the prompt has " + std::to_string(ids.size()) + " tokens, the model's context limit is " +
                std::to_string(limit));
  // The last new token is never fed back, so it needs no position: limit - prompt + 1 fit.
  const int64_t room = limit - static_cast<int64_t>(ids.size()) + 1;
  if (options.maxNewTokens > room)
    std::cerr << "warning: the model's context limit is " << limit << " tokens; the " << ids.size()
              << "-token prompt leaves room for " << room << " new tokens, not " << options.maxNewTokens << "\n";
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
    "Generation stops at the model's context limit (max_position_embeddings), with a warning when N\n"
    "asks for more. --ids also prints the token ids.\n",
    runGenerate,
}};

}  // namespace
}  // namespace qs::cli
