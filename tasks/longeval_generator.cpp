#include "tasks/longeval_generator.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "core/base/error.h"

namespace qs {
namespace {

const std::vector<std::string>& adjectives() {
  static const std::vector<std::string> a{
      "amber", "brisk", "calm", "dusty", "eager", "faint", "gentle", "hollow", "icy", "jolly", "keen", "lucky",
      "mellow", "narrow", "odd", "pale", "quick", "rusty", "silent", "tidy", "upbeat", "vivid", "wary", "young",
      "zesty", "bold", "crisp", "dim", "early", "fuzzy", "grim", "hasty", "idle", "jagged", "kind", "loud",
      "mild", "neat", "open", "proud", "quiet", "rough", "sharp", "tall", "usual", "vast", "warm", "wild"};
  return a;
}

const std::vector<std::string>& nouns() {
  static const std::vector<std::string> n{
      "anchor", "badger", "candle", "dagger", "engine", "falcon", "garden", "harbor", "island", "jacket", "kettle",
      "ladder", "meadow", "needle", "orchard", "pepper", "quarry", "rabbit", "saddle", "tunnel", "umbrella",
      "valley", "walnut", "yard", "zipper", "bridge", "canyon", "desert", "ember", "forest", "glacier", "hammer",
      "igloo", "jungle", "kernel", "lantern", "marble", "nest", "oyster", "pillow", "quill", "ribbon", "spoon",
      "teapot", "urchin", "violin", "window", "yogurt"};
  return n;
}

const char* kLinesIntro =
    "Below is a record of lines I want you to remember. Each line begins with 'line <line index>' and contains a "
    "'<REGISTER_CONTENT>' at the end of the line as a numerical value. For each line index, memorize its "
    "corresponding <REGISTER_CONTENT>. At the end of the record, I will ask you to retrieve the corresponding "
    "<REGISTER_CONTENT> of a certain line index. Now the record start:\n\n";

}  // namespace

std::vector<Document> generateLongEvalLines(int numLines, int cases, uint64_t seed) {
  const size_t maxNames = adjectives().size() * nouns().size();
  if (numLines < 1 || static_cast<size_t>(numLines) > maxNames)
    throw Error("LongEval lines generator: num_lines must be 1.." + std::to_string(maxNames) + ", got " +
                std::to_string(numLines));
  std::mt19937_64 rng(seed ^ (static_cast<uint64_t>(numLines) * 0x9E3779B97F4A7C15ull));
  std::vector<Document> docs;
  for (int c = 0; c < cases; ++c) {
    std::set<std::string> used;
    std::vector<std::pair<std::string, int>> lines;
    while (static_cast<int>(lines.size()) < numLines) {
      std::string name = adjectives()[rng() % adjectives().size()] + "-" + nouns()[rng() % nouns().size()];
      if (!used.insert(name).second) continue;
      lines.emplace_back(name, static_cast<int>(1 + rng() % 50000));
    }
    int target = std::min(numLines - 1, static_cast<int>((c + 0.5) / cases * numLines));
    std::string prompt = kLinesIntro;
    for (const auto& [name, value] : lines)
      prompt += "line " + name + ": REGISTER_CONTENT is <" + std::to_string(value) + ">\n";
    const auto& [tname, tvalue] = lines[target];
    prompt += "\nNow the record is over. Tell me what is the <REGISTER_CONTENT> in line " + tname +
              "? I need the number. ";
    Document d;
    d.file = "<generated lines>";
    d.line = c + 1;
    d.fields["random_idx"] = nlohmann::json::array({tname, target});
    d.fields["expected_number"] = tvalue;
    d.fields["num_lines"] = numLines;
    d.fields["correct_line"] = "line " + tname + ": REGISTER_CONTENT is <" + std::to_string(tvalue) + ">\n";
    d.fields["prompt"] = prompt;
    docs.push_back(std::move(d));
  }
  return docs;
}

std::vector<Document> generateLongEvalTopics(const std::vector<Conversation>& pool, int numTopics, int cases,
                                             uint64_t seed) {
  if (numTopics < 1 || static_cast<size_t>(numTopics) > pool.size())
    throw Error("LongEval topics generator: num_topics " + std::to_string(numTopics) + " needs at least that many "
                "conversations, the pool has " + std::to_string(pool.size()));
  std::mt19937_64 rng(seed ^ (static_cast<uint64_t>(numTopics) * 0xC2B2AE3D27D4EB4Full));
  std::vector<Document> docs;
  for (int c = 0; c < cases; ++c) {
    std::vector<size_t> idx(pool.size());
    std::iota(idx.begin(), idx.end(), 0);
    for (size_t i = idx.size() - 1; i > 0; --i) std::swap(idx[i], idx[rng() % (i + 1)]);
    idx.resize(numTopics);
    std::string prompt = "Below is a record of our previous conversation on " + std::to_string(numTopics) +
                         " different topics. You are the ASSISTANT, and I am the USER. At the beginning of each "
                         "topic, the USER will say 'I would like to discuss the topic of <TOPIC>'. Memorize each "
                         "<TOPIC>. At the end of the record, I will ask you to retrieve the first topic. Now the "
                         "record start. ";
    nlohmann::json topics = nlohmann::json::array();
    for (size_t i : idx) {
      prompt += pool[i].text;
      topics.push_back(pool[i].topic);
    }
    prompt += " Now the record ends. What is the first topic we discussed? Only give me the topic name. Do not "
              "summarize yourself.";
    Document d;
    d.file = "<generated topics>";
    d.line = c + 1;
    d.fields["test_id"] = c;
    d.fields["prompt"] = prompt;
    d.fields["topics"] = topics;
    docs.push_back(std::move(d));
  }
  return docs;
}

}  // namespace qs
