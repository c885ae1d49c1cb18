#include "tools/train_demo_model/demo_evaluation.h"

#include <ATen/ATen.h>

#include <cctype>

#include "core/base/error.h"
#include "core/model/generation.h"
#include "core/model/model.h"

namespace qs::demo {
namespace {

struct Score {
  double logLikelihood = 0;
  bool greedy = true;
};

ForwardFn forwardOf(Model& model) {
  return [&model](const at::Tensor& ids) { return model.forward(ids); };
}

// Log-likelihood of the text's tokens after the context's, from one forward pass over the whole.
Score continuationScore(const ForwardFn& forward, const EncodeFn& encode, const std::string& context,
                        const std::string& continuation) {
  auto ctx = encode(context);
  auto whole = encode(context + continuation);
  if (whole.size() <= ctx.size() || !std::equal(ctx.begin(), ctx.end(), whole.begin()))
    throw Error("demo evaluation: the continuation \"" + continuation + "\" changes the context's tokens");
  const int64_t n = static_cast<int64_t>(whole.size() - ctx.size());
  auto ids = at::tensor(whole, at::kLong).unsqueeze(0);
  auto logits = forward(ids)[0];
  auto logp = at::log_softmax(logits.narrow(0, static_cast<int64_t>(ctx.size()) - 1, n), -1);
  auto target = ids[0].narrow(0, static_cast<int64_t>(ctx.size()), n);
  Score s;
  s.logLikelihood = logp.gather(-1, target.unsqueeze(-1)).sum().item<double>();
  s.greedy = logp.argmax(-1).equal(target);
  return s;
}

// Greedy text after the prompt, cut at the first stop string.
std::string generateUntil(Model& model, const EncodeFn& encode, const DecodeFn& decode, const std::string& prompt,
                          const std::vector<std::string>& stops, int maxNewTokens) {
  auto cut = [&](std::string text) {
    for (const auto& s : stops)
      if (auto pos = text.find(s); pos != std::string::npos) text.resize(pos);
    return text;
  };
  GreedyOptions options;
  options.maxNewTokens = maxNewTokens;
  options.eosTokenId = model.config().eosTokenId;
  options.stop = [&](const std::vector<int64_t>& out) { return cut(decode(out)).size() < decode(out).size(); };
  return cut(decode(greedyGenerate(model, encode(prompt), options)));
}

}  // namespace

WindowPerplexity windowPerplexity(const ForwardFn& forward, const std::vector<int64_t>& tokens, int64_t window,
                                  int64_t maxWindows) {
  at::NoGradGuard noGrad;
  int64_t windows = static_cast<int64_t>(tokens.size()) / window;
  if (maxWindows > 0) windows = std::min(windows, maxWindows);
  if (windows == 0) throw Error("perplexity: fewer tokens than one window of " + std::to_string(window));
  auto all = at::tensor(tokens, at::kLong);
  double sum = 0;
  constexpr int64_t kBatch = 4;
  for (int64_t w = 0; w < windows; w += kBatch) {
    const int64_t n = std::min(kBatch, windows - w);
    auto ids = all.narrow(0, w * window, n * window).view({n, window});
    auto logp = at::log_softmax(forward(ids).narrow(1, 0, window - 1), -1);
    auto nll = -logp.gather(-1, ids.narrow(1, 1, window - 1).unsqueeze(-1)).squeeze(-1).to(at::kDouble).mean(1);
    sum += nll.sum().item<double>();
  }
  WindowPerplexity r;
  r.windows = windows;
  r.meanNll = sum / windows;
  r.perplexity = std::exp(r.meanNll);
  return r;
}

std::vector<int64_t> greedyNoCache(const ForwardFn& forward, const std::vector<int64_t>& prompt, int maxNewTokens,
                                   int64_t eosId) {
  at::NoGradGuard noGrad;
  std::vector<int64_t> seq = prompt, out;
  for (int i = 0; i < maxNewTokens; ++i) {
    auto logits = forward(at::tensor(seq, at::kLong).unsqueeze(0));
    const int64_t next = logits[0][-1].argmax().item<int64_t>();
    out.push_back(next);
    seq.push_back(next);
    if (next == eosId) break;
  }
  return out;
}

TaskAccuracy clozeAccuracy(Model& model, const EncodeFn& encode, const std::vector<ClozeItem>& items) {
  at::NoGradGuard noGrad;
  TaskAccuracy acc{"cloze (LAMBADA-like) acc", 0, 0};
  for (const auto& it : items) {
    const auto cut = it.text.rfind(' ');
    acc.correct += continuationScore(forwardOf(model), encode, it.text.substr(0, cut), it.text.substr(cut)).greedy;
    ++acc.total;
  }
  return acc;
}

TaskAccuracy choiceAccuracy(Model& model, const EncodeFn& encode, const std::vector<ChoiceItem>& items) {
  at::NoGradGuard noGrad;
  TaskAccuracy acc{"multiple choice (ARC-like) acc", 0, 0};
  const auto forward = forwardOf(model);
  for (const auto& it : items) {
    const auto context = DemoCorpus::questionPrompt(it.question);
    int best = 0;
    double bestLl = -1e300;
    for (int c = 0; c < static_cast<int>(it.choices.size()); ++c) {
      const double ll = continuationScore(forward, encode, context, " " + it.choices[c]).logLikelihood;
      if (ll > bestLl) best = c, bestLl = ll;
    }
    acc.correct += best == it.answer;
    ++acc.total;
  }
  return acc;
}

TaskAccuracy arithmeticAccuracy(Model& model, const EncodeFn& encode, const DecodeFn& decode,
                                const std::vector<ArithmeticItem>& items, const std::string& fewShotPrefix) {
  at::NoGradGuard noGrad;
  TaskAccuracy acc{"word problems (GSM8K-like, Q:/A: chain of thought, few-shot) exact match", 0, 0};
  for (const auto& it : items) {
    const auto answer = generateUntil(model, encode, decode, fewShotPrefix + DemoCorpus::cotPrompt(it.question),
                                      {"Q:", "Question:", "\n\n"}, 96);
    acc.correct += lastNumber(answer) == std::to_string(it.result);
    ++acc.total;
  }
  return acc;
}

TaskAccuracy linesAccuracy(Model& model, const EncodeFn& encode, const DecodeFn& decode,
                           const std::vector<LinesItem>& items) {
  at::NoGradGuard noGrad;
  TaskAccuracy acc{"line retrieval (LongEval-like, chat prompt) acc", 0, 0};
  for (const auto& it : items) {
    const auto answer = generateUntil(model, encode, decode, DemoCorpus::chatPrompt(it.prompt), {"\n\n", "USER:"}, 32);
    acc.correct += answer.find(std::to_string(it.number)) != std::string::npos;
    ++acc.total;
  }
  return acc;
}

LinesProbe linesTeacherForced(const ForwardFn& forward, const EncodeFn& encode, const std::vector<LinesItem>& items) {
  at::NoGradGuard noGrad;
  LinesProbe probe;
  if (items.empty()) return probe;
  for (const auto& it : items) {
    const auto number = std::to_string(it.number);
    const auto cut = it.answer.rfind(number);
    const auto score =
        continuationScore(forward, encode, DemoCorpus::chatPrompt(it.prompt) + " " + it.answer.substr(0, cut), number);
    probe.exact += score.greedy;
    probe.numberNll -= score.logLikelihood;
  }
  probe.exact /= static_cast<double>(items.size());
  probe.numberNll /= static_cast<double>(items.size());
  return probe;
}

std::string lastNumber(const std::string& text) {
  std::string last, current;
  for (char ch : text + " ") {
    if (std::isdigit(static_cast<unsigned char>(ch))) {
      current += ch;
    } else if (ch == ',' && !current.empty()) {
      continue;
    } else {
      if (!current.empty()) last = current;
      current.clear();
    }
  }
  return last;
}

}  // namespace qs::demo
