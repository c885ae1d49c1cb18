#pragma once
// The demo model's synthetic world and the texts drawn from it: short stories with consistent
// characters, fact sentences from a fixed fact table, and items in the shapes of the standard
// benchmarks (LAMBADA-like cloze passages, ARC-like multiple choice, GSM8K-like word problems,
// LongEval-like line retrieval). Everything is deterministic in the seed.
//
// Held-out material uses entity combinations the training split never contains: each story cast,
// (fact, question template), word problem and retrieval key is assigned to one side by a stable hash.
#include <cstdint>
#include <string>
#include <vector>

#include "tools/train_demo_model/demo_rng.h"

namespace qs::demo {

enum class Split { Train, HeldOut };

// Retrieval records hold up to this many lines in training: with the chat wrapper and the answer,
// 22 lines stay within the 512-token context.
constexpr int kMaxTrainingLines = 22;
// The retrieval warm-up (see retrievalWarmupDocuments) uses short records: with few lines a rough
// lookup already pays, so the mechanism has a gradient to form along.
constexpr int kMaxWarmupLines = 8;

struct ClozeItem {
  std::string text;    // the passage; it ends with the target word (no final punctuation)
  std::string target;  // the last word, which also appears earlier in the passage
};

struct ChoiceItem {
  std::string question;  // "What colour is a banana?"
  std::vector<std::string> choices;
  int answer = 0;  // index into choices
};

struct ArithmeticItem {
  std::string question;
  std::string answer;  // worked steps with <<a+b=c>> annotations, then "#### c"
  int result = 0;
};

struct LinesItem {
  std::string prompt;       // the LongEval "lines" prompt, ending "I need the number. "
  std::string answer;       // what the model is trained to say after the prompt
  std::string key;          // "happy-kite"
  int keyIndex = 0;         // the asked line's position in the record
  int number = 0;           // its REGISTER_CONTENT
  int numLines = 0;
  std::string correctLine;  // "line happy-kite: REGISTER_CONTENT is <1234>\n"
  std::vector<std::string> keys;  // every line's key, in record order
  std::vector<int> numbers;       // every line's REGISTER_CONTENT
};

// A training document. Segments are tokenized one by one and concatenated, so that a prompt ends
// in the tokens an evaluation sees when it tokenizes the prompt alone.
struct TrainingDocument {
  std::vector<std::string> segments;
};

class DemoCorpus {
 public:
  DemoCorpus(uint64_t seed, Split split);

  std::string story();
  std::string factParagraph();
  ClozeItem cloze();
  ChoiceItem choiceQuestion();
  ArithmeticItem arithmetic();
  LinesItem lines(int numLines);

  // One document of a kind drawn from the training mixture (stories, facts, questions, word
  // problems, retrieval records).
  TrainingDocument document();
  // Documents until their text reaches targetChars.
  std::vector<TrainingDocument> documents(int64_t targetChars);
  // A retrieval warm-up document: a record of 1 to kMaxWarmupLines lines (mostly short) with its
  // answer as LongChat's raw prompt, as a chat that goes on asking for other lines, or as a recall
  // drill (the record written again, in the same or another order).
  TrainingDocument retrievalWarmupDocument();
  // Such documents until their text reaches targetChars: what the first --retrieval-warmup steps see.
  std::vector<TrainingDocument> retrievalWarmupDocuments(int64_t targetChars);
  // Plain text for perplexity: stories, facts, questions and word problems joined with "\n\n".
  std::string plainText(int64_t targetChars);

  // "Question: {q}\nAnswer:" as the ARC (and lm-eval's GSM8K) prompts write it.
  static std::string questionPrompt(const std::string& question);
  // The chain-of-thought form of a word problem's answer (as QuantScope's gsm8k_cot task derives it
  // from GSM8K's): the steps without the <<...>> annotations, then "The answer is N.".
  static std::string chainOfThought(const ArithmeticItem& item);
  // QuantScope's gsm8k_cot prompt: "Q: {q}\nA:".
  static std::string cotPrompt(const std::string& question);
  // A single-turn prompt in the Vicuna chat format that QuantScope's LongEval tasks use.
  static std::string chatPrompt(const std::string& user);
  // LongChat's question for the line with this key (it ends with a space).
  static std::string linesQuestion(const std::string& key);
  // The answer the model is trained to give for line `index` of a record.
  static std::string linesAnswer(const LinesItem& item, int index);

 private:
  struct Cast;
  Cast castStory();
  bool accept(const std::string& combination) const;
  std::string storyFrom(const Cast& c, bool clozeEnding, std::string* target);
  // Documents from `make` until their text reaches targetChars.
  std::vector<TrainingDocument> documentsUntil(int64_t targetChars, TrainingDocument (DemoCorpus::*make)());

  DemoRng rng_;
  Split split_;
};

// The fixed preamble of a LongEval "lines" prompt (verbatim from LongChat's test cases).
extern const char* const kLinesPreamble;
// Vicuna v1.1's system prompt, which the LongEval task definitions put before the user turn.
extern const char* const kChatSystem;

}  // namespace qs::demo
