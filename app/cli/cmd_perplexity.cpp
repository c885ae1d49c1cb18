// quantscope-cli perplexity: the concatenated (GPTQ / AWQ) protocol on a text file.
#include <cstdio>
#include <iostream>

#include "app/cli/cli_support.h"
#include "tasks/concatenated_perplexity.h"

namespace qs::cli {
namespace {

int runPerplexity(const std::vector<std::string>& argv) {
  Args args(argv, {"data", "ctx", "max-windows", "batch", "device", "dtype", "quant", "calib"}, {});
  if (printHelpIfAsked(args, "perplexity")) return kOk;
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder");
  auto data = args.value("data");
  if (!data) throw UsageError("--data FILE is required");
  const std::string dir = args.positional()[0];
  const std::string text = readTextFile(*data);
  auto tokenizer = loadTokenizer(dir);
  auto model = loadModel(dir, args);
  auto quantized = applyQuantOption(*model, args);
  const int64_t ctx = args.integer("ctx", std::min(2048, model->config().maxPositions));
  auto ids32 = tokenizer->encode(text, true);
  std::vector<int64_t> ids(ids32.begin(), ids32.end());
  auto r = concatenatedPerplexity(*model, ids, ctx, args.integer("max-windows", 0), args.integer("batch", 1),
                                  [](int64_t done, int64_t total) {
                                    std::fprintf(stderr, "\rwindow %lld/%lld", static_cast<long long>(done),
                                                 static_cast<long long>(total));
                                  });
  std::fprintf(stderr, "\n");
  std::printf("protocol     concatenated (non-overlapping windows of %lld tokens, remainder dropped)\n",
              static_cast<long long>(ctx));
  std::printf("tokens       %zu in the text, %lld windows, %lld dropped\n", ids.size(),
              static_cast<long long>(r.windows), static_cast<long long>(r.tokensDropped));
  std::printf("quant        %s\n", quantized ? quantized->config().name().c_str() : "none (FP16 baseline)");
  std::printf("perplexity   %.4f\n", r.perplexity);
  std::printf("mean nll     %.6f +- %.6f\n", r.meanNll, r.nllStderr);
  std::printf("throughput   %.1f tokens/s (%.2f s)\n", r.tokensPerSecond, r.seconds);
  return kOk;
}

const CommandRegistrar kRegister{{
    "perplexity",
    "perplexity of a text file (concatenated windows protocol)",
    "usage: quantscope-cli perplexity MODEL --data FILE [--ctx L] [--max-windows N] [--batch B]\n"
    "                                  [--quant CONFIG [--calib FILE]] [--device D] [--dtype T]\n\n"
    "The protocol of GPTQ / AWQ and the quantization literature: the whole file is tokenized once\n"
    "(BOS first, as the tokenizer's configuration says), cut into non-overlapping windows of L tokens\n"
    "(default: 2048 or the model's context if smaller), the remainder dropped; perplexity =\n"
    "exp(mean next-token NLL over all windows). Prints the perplexity, the NLL with its standard error\n"
    "over windows, and the forward throughput in tokens/s. --quant applies a quantization configuration\n"
    "(a canonical name such as W4A8KV4-g128 or a preset: W8 W4 W3 W2 W8A8 W4A8 W4A4 KV8 KV4 KV3 KV2).\n"
    "A configuration with a method (W4-g128-awq, W4-g128-gptq, W8A8-smoothquant) computes it first on\n"
    "calibration text: 8 sequences of 256 tokens drawn with seed 1234 from --calib FILE or the bundled\n"
    "calibration text; the time it took is printed.\n",
    runPerplexity,
}};

}  // namespace
}  // namespace qs::cli
