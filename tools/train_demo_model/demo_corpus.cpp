#include "tools/train_demo_model/demo_corpus.h"

#include <algorithm>
#include <cctype>

namespace qs::demo {

const char* const kLinesPreamble =
    "Below is a record of lines I want you to remember. Each line begins with 'line <line index>' and "
    "contains a '<REGISTER_CONTENT>' at the end of the line as a numerical value. For each line index, "
    "memorize its corresponding <REGISTER_CONTENT>. At the end of the record, I will ask you to retrieve "
    "the corresponding <REGISTER_CONTENT> of a certain line index. Now the record start:\n\n";

const char* const kChatSystem =
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, "
    "detailed, and polite answers to the user's questions.";

namespace {

using Words = std::vector<std::string>;

// ---- The world ------------------------------------------------------------------------------

const Words kGirls = {"Anna", "Lily", "Mia", "Sara", "Emma", "Nora", "Zoe", "Lucy",
                      "Ella", "Rosa", "Kate", "Amy", "Ruth", "Jane", "Ivy"};
const Words kBoys = {"Tom", "Ben", "Max", "Sam", "Leo", "Jack", "Finn", "Owen",
                     "Paul", "Hugo", "Noah", "Dan", "Eli", "Carl", "Ray"};
const Words kPlaces = {"the park", "the forest", "the beach", "the garden", "the school", "the market",
                       "the river", "the village", "the castle", "the farm", "the library", "the lake",
                       "the hill", "the zoo", "the bakery", "the harbor", "the meadow", "the playground"};
const Words kObjects = {"ball", "kite", "hat", "box", "book", "cup", "boat", "drum", "lamp", "key",
                        "map", "bag", "bell", "coat", "doll", "train", "bike", "ring", "shell", "scarf",
                        "robot", "truck", "blanket", "basket", "balloon", "crayon", "whistle", "jar"};
const Words kColours = {"red", "blue", "green", "yellow", "orange", "purple", "pink", "brown", "white", "black", "gray"};
const Words kSizes = {"big", "small", "little", "shiny", "old", "new", "soft", "tiny"};
const Words kKindAdjectives = {"kind", "brave", "happy", "curious", "clever", "shy", "funny", "gentle"};
const Words kWeather = {"sunny", "rainy", "windy", "cold", "warm", "snowy", "bright", "cloudy"};
const Words kSpots = {"a big tree", "the old fence", "a small bush", "the water", "a flat rock", "the bench"};

struct SoundFact {
  const char* animal;
  const char* sound;
};
const std::vector<SoundFact> kSounds = {
    {"cow", "moo"},   {"dog", "woof"},  {"cat", "meow"},  {"duck", "quack"},  {"sheep", "baa"},
    {"pig", "oink"},  {"horse", "neigh"}, {"owl", "hoot"}, {"lion", "roar"},  {"bee", "buzz"},
    {"frog", "croak"}, {"mouse", "squeak"}, {"snake", "hiss"}, {"hen", "cluck"}, {"crow", "caw"}};

// Retrieval keys are adjective-noun pairs, as in LongEval ("torpid-kid").
const Words kKeyAdjectives = {"happy", "brave", "little", "quiet", "sunny", "gentle", "clever", "sleepy",
                              "shiny", "lucky", "tiny", "proud", "funny", "kind", "bright", "calm",
                              "busy", "silly", "noisy", "soft", "wild", "golden", "silver", "fuzzy",
                              "lazy", "swift", "cozy", "grumpy", "jolly", "merry", "rusty", "dusty"};
const Words kKeyNouns = {"kite", "river", "button", "garden", "pencil", "rocket", "candle", "window",
                         "basket", "ladder", "bucket", "pillow", "carpet", "teapot", "wagon", "mitten",
                         "cookie", "tiger", "turtle", "parrot", "pebble", "marble", "puzzle", "rabbit",
                         "violin", "tractor", "feather", "blanket", "lantern", "ribbon", "acorn", "dragon"};

struct Countable {
  const char* one;
  const char* many;
};
const std::vector<Countable> kCountables = {
    {"apple", "apples"}, {"pencil", "pencils"}, {"sticker", "stickers"}, {"marble", "marbles"},
    {"cookie", "cookies"}, {"book", "books"}, {"coin", "coins"}, {"shell", "shells"}, {"card", "cards"},
    {"balloon", "balloons"}, {"flower", "flowers"}, {"egg", "eggs"}, {"cupcake", "cupcakes"}};

std::string withArticle(const std::string& noun) {
  const char c = noun.empty() ? 'x' : noun[0];
  const bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
  return (vowel ? "an " : "a ") + noun;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

// ---- The fact table ---------------------------------------------------------------------------
// A fact is (relation, subject, answer); the relation gives the sentences that state it and the
// questions that ask it. {x} = subject phrase, {X} = capitalized, {n} = bare noun, {y} = answer.

struct Relation {
  std::string name;
  Words statements;
  Words questions;
};

struct Fact {
  int relation;
  std::string noun;     // bare noun ("cow"), or the phrase itself for mass nouns
  std::string subject;  // "a cow", "snow", "the sky"
  std::string answer;   // "moo", "a cow", "white"
};

struct FactTable {
  std::vector<Relation> relations;
  std::vector<Fact> facts;

  void add(const std::string& relation, const std::string& noun, const std::string& subject, const std::string& answer) {
    for (int i = 0; i < static_cast<int>(relations.size()); ++i)
      if (relations[i].name == relation) facts.push_back({i, noun, subject, answer});
  }
  // Every distinct answer of a relation: the pool that multiple-choice distractors come from.
  Words answersOf(int relation) const {
    Words out;
    for (const auto& f : facts)
      if (f.relation == relation && std::find(out.begin(), out.end(), f.answer) == out.end()) out.push_back(f.answer);
    return out;
  }
};

std::string render(const std::string& tmpl, const Fact& f) {
  std::string s = replaceAll(tmpl, "{X}", capitalized(f.subject));
  s = replaceAll(s, "{x}", f.subject);
  s = replaceAll(s, "{n}", f.noun);
  return replaceAll(s, "{y}", f.answer);
}

FactTable makeFactTable() {
  FactTable t;
  t.relations = {
      {"colour", {"{X} is {y}.", "The colour of {x} is {y}.", "{X} is always {y}."},
       {"What colour is {x}?", "What is the colour of {x}?"}},
      {"sound", {"{X} says {y}.", "When {x} talks, it says {y}.", "{X} makes the sound {y}."},
       {"What does {x} say?", "What sound does {x} make?"}},
      {"sound_animal", {"The animal that says {x} is {y}."}, {"Which animal says {x}?"}},
      {"home", {"{X} lives in {y}.", "The home of {x} is {y}."}, {"Where does {x} live?"}},
      {"gives", {"We get {y} from {x}.", "{X} gives us {y}."}, {"What do we get from {x}?"}},
      {"legs", {"{X} has {y} legs.", "{X} walks on {y} legs."}, {"How many legs does {x} have?"}},
      {"eats", {"{X} likes to eat {y}.", "The favorite food of {x} is {y}."},
       {"What does {x} like to eat?", "What food does {x} like best?"}},
      {"baby", {"A baby {n} is called {y}."}, {"What is a baby {n} called?"}},
      {"opposite", {"The opposite of {x} is {y}."}, {"What is the opposite of {x}?"}},
      {"count", {"{X} {y}."}, {"{X}?"}},
  };
  const std::vector<std::pair<const char*, const char*>> colours = {
      {"the sky", "blue"},      {"grass", "green"},      {"snow", "white"},      {"coal", "black"},
      {"a banana", "yellow"},   {"an apple", "red"},     {"a lemon", "yellow"},  {"a strawberry", "red"},
      {"a carrot", "orange"},   {"a pumpkin", "orange"}, {"a leaf", "green"},    {"milk", "white"},
      {"chocolate", "brown"},   {"a crow", "black"},     {"a frog", "green"},    {"a flamingo", "pink"},
      {"a grape", "purple"},    {"a plum", "purple"},    {"a tomato", "red"},    {"the sea", "blue"},
      {"a cloud", "white"},     {"a pig", "pink"},       {"an elephant", "gray"}, {"a mouse", "gray"},
      {"a bear", "brown"},      {"a cherry", "red"},     {"the sun", "yellow"},  {"a lime", "green"},
      {"an eggplant", "purple"}, {"a chestnut", "brown"}};
  for (auto [s, a] : colours) t.add("colour", s, s, a);
  for (const auto& s : kSounds) {
    t.add("sound", s.animal, withArticle(s.animal), s.sound);
    t.add("sound_animal", s.animal, s.sound, withArticle(s.animal));  // "The animal that says moo is a cow."
  }
  const std::vector<std::pair<const char*, const char*>> homes = {
      {"fish", "the water"}, {"bird", "a nest"}, {"bee", "a hive"},   {"bear", "a cave"},  {"rabbit", "a burrow"},
      {"frog", "a pond"},   {"spider", "a web"}, {"horse", "a stable"}, {"cow", "a barn"}, {"dog", "a kennel"}};
  for (auto [n, a] : homes) t.add("home", n, withArticle(n), a);
  const std::vector<std::pair<const char*, const char*>> gives = {
      {"cow", "milk"}, {"bee", "honey"}, {"hen", "eggs"}, {"sheep", "wool"}};
  for (auto [n, a] : gives) t.add("gives", n, withArticle(n), a);
  const std::vector<std::pair<const char*, const char*>> legs = {
      {"dog", "four"}, {"cat", "four"}, {"horse", "four"}, {"cow", "four"}, {"bird", "two"},
      {"duck", "two"}, {"hen", "two"},  {"spider", "eight"}, {"ant", "six"}, {"bee", "six"}};
  for (auto [n, a] : legs) t.add("legs", n, withArticle(n), a);
  const std::vector<std::pair<const char*, const char*>> eats = {
      {"rabbit", "carrots"}, {"monkey", "bananas"}, {"cow", "grass"},   {"dog", "bones"},
      {"bird", "seeds"},     {"panda", "bamboo"},   {"cat", "fish"},    {"mouse", "cheese"},
      {"bear", "honey"},     {"squirrel", "nuts"},  {"horse", "hay"}};
  for (auto [n, a] : eats) t.add("eats", n, withArticle(n), a);
  const std::vector<std::pair<const char*, const char*>> babies = {
      {"cat", "kitten"}, {"dog", "puppy"},   {"cow", "calf"},        {"sheep", "lamb"},   {"hen", "chick"},
      {"horse", "foal"}, {"frog", "tadpole"}, {"duck", "duckling"}, {"pig", "piglet"},   {"bear", "cub"},
      {"kangaroo", "joey"}};
  for (auto [n, a] : babies) t.add("baby", n, withArticle(n), withArticle(a));
  const std::vector<std::pair<const char*, const char*>> opposites = {
      {"hot", "cold"},  {"big", "small"}, {"up", "down"},   {"day", "night"},   {"fast", "slow"},
      {"happy", "sad"}, {"old", "new"},   {"wet", "dry"},   {"light", "dark"},  {"open", "closed"},
      {"full", "empty"}};
  for (auto [a, b] : opposites) {
    t.add("opposite", a, a, b);
    t.add("opposite", b, b, a);
  }
  // Counting facts are whole sentences: the question is the subject phrase.
  const std::vector<std::pair<const char*, const char*>> counts = {
      {"how many days are in a week", "seven"},     {"how many months are in a year", "twelve"},
      {"how many wheels does a bike have", "two"},  {"how many wheels does a car have", "four"},
      {"how many sides does a triangle have", "three"}, {"how many sides does a square have", "four"},
      {"how many fingers are on one hand", "five"}, {"how many seasons are in a year", "four"}};
  for (auto [q, a] : counts) t.add("count", q, q, a);
  return t;
}

const FactTable& facts() {
  static const FactTable table = makeFactTable();
  return table;
}

// "How many days are in a week? seven." reads badly: count facts get their own statement.
std::string countStatement(const Fact& f) {
  // "how many days are in a week" -> "There are seven days in a week."
  std::string q = f.subject;
  const std::string lead = "how many ";
  std::string rest = q.substr(lead.size());  // "days are in a week" / "wheels does a bike have"
  auto sp = rest.find(' ');
  std::string thing = rest.substr(0, sp), tail = rest.substr(sp + 1);
  if (tail.rfind("are ", 0) == 0) return "There are " + f.answer + " " + thing + " " + tail.substr(4) + ".";
  // "does a bike have" -> "A bike has two wheels."
  std::string owner = tail.substr(5, tail.size() - 5 - 5);  // strip "does " and " have"
  return capitalized(owner) + " has " + f.answer + " " + thing + ".";
}

std::string factStatement(const Fact& f, DemoRng& rng) {
  const auto& rel = facts().relations[f.relation];
  if (rel.name == "count") return countStatement(f);
  return render(rng.pick(rel.statements), f);
}

std::string factQuestion(const Fact& f, int templateIndex) {
  const auto& rel = facts().relations[f.relation];
  if (rel.name == "count") return capitalized(f.subject) + "?";
  return render(rel.questions[templateIndex], f);
}

// ---- Helpers for stories ------------------------------------------------------------------------

struct Person {
  std::string name;
  bool girl = false;
  std::string he() const { return girl ? "she" : "he"; }
  std::string He() const { return girl ? "She" : "He"; }
  std::string his() const { return girl ? "her" : "his"; }
  std::string him() const { return girl ? "her" : "him"; }
  std::string kind() const { return girl ? "girl" : "boy"; }
};

Person randomPerson(DemoRng& rng) {
  const bool girl = rng.chance(0.5);
  return {rng.pick(girl ? kGirls : kBoys), girl};
}

std::string joinSentences(const Words& sentences) {
  std::string out;
  for (const auto& s : sentences) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

}  // namespace

struct DemoCorpus::Cast {
  Person hero, friend_;
  std::string place, object, colour, size, animal, sound, weather;
};

DemoCorpus::DemoCorpus(uint64_t seed, Split split) : rng_(seed), split_(split) {}

bool DemoCorpus::accept(const std::string& combination) const {
  const bool heldOut = stableHash(combination) % 5 == 0;
  return heldOut == (split_ == Split::HeldOut);
}

DemoCorpus::Cast DemoCorpus::castStory() {
  for (;;) {
    Cast c;
    c.hero = randomPerson(rng_);
    do c.friend_ = randomPerson(rng_);
    while (c.friend_.name == c.hero.name);
    c.place = rng_.pick(kPlaces);
    c.object = rng_.pick(kObjects);
    if (!accept("story|" + c.hero.name + "|" + c.friend_.name + "|" + c.place + "|" + c.object)) continue;
    c.colour = rng_.pick(kColours);
    c.size = rng_.pick(kSizes);
    const auto& s = rng_.pick(kSounds);
    c.animal = s.animal;
    c.sound = s.sound;
    c.weather = rng_.pick(kWeather);
    return c;
  }
}

std::string DemoCorpus::storyFrom(const Cast& c, bool clozeEnding, std::string* target) {
  const Person& A = c.hero;
  const Person& B = c.friend_;
  const std::string obj = c.object;
  Words s;
  switch (rng_.below(4)) {
    case 0: s.push_back("Once upon a time, there was a " + rng_.pick(kKindAdjectives) + " " + A.kind() + " named " + A.name + "."); break;
    case 1: s.push_back(A.name + " was a " + rng_.pick(kKindAdjectives) + " " + A.kind() + " who lived near " + c.place + "."); break;
    case 2: s.push_back("One " + c.weather + " day, " + A.name + " woke up early."); break;
    default: s.push_back("It was a " + c.weather + " morning, and " + A.name + " wanted to play."); break;
  }
  switch (rng_.below(3)) {
    case 0: s.push_back(A.He() + " had a " + c.colour + " " + obj + "."); break;
    case 1: s.push_back(A.name + " had a " + c.size + " " + c.colour + " " + obj + " that " + A.he() + " loved very much."); break;
    default: s.push_back(A.He() + " always carried " + A.his() + " " + c.colour + " " + obj + "."); break;
  }
  switch (rng_.below(3)) {
    case 0: s.push_back(A.name + " went to " + c.place + " with " + A.his() + " friend " + B.name + "."); break;
    case 1: s.push_back("At " + c.place + ", " + A.name + " met " + A.his() + " friend " + B.name + "."); break;
    default: s.push_back(A.name + " and " + B.name + " walked to " + c.place + " together."); break;
  }
  if (rng_.chance(0.6)) {
    s.push_back("They saw " + withArticle(c.animal) + " near " + rng_.pick(kSpots) + ".");
    s.push_back(rng_.chance(0.5) ? "The " + c.animal + " said, \"" + capitalized(c.sound) + "!\""
                                 : "The " + c.animal + " looked at them and said " + c.sound + ".");
    if (rng_.chance(0.5)) s.push_back(B.name + " laughed.");
  }
  if (rng_.chance(0.5)) s.push_back(B.name + " said, \"Can I play with your " + obj + ", " + A.name + "?\"");
  switch (rng_.below(4)) {
    case 0: s.push_back("Suddenly, the " + obj + " fell into the water."); break;
    case 1: s.push_back("Then the wind blew the " + obj + " away."); break;
    case 2: s.push_back("But the " + obj + " got stuck in a tall tree."); break;
    default: s.push_back("Then " + A.name + " could not find " + A.his() + " " + obj + "."); break;
  }
  s.push_back(A.name + " felt " + rng_.pick(Words{"sad", "scared", "worried", "upset"}) + ".");
  switch (rng_.below(3)) {
    case 0: s.push_back(B.name + " had an idea."); break;
    case 1: s.push_back(B.name + " said, \"Do not worry, I will help you.\""); break;
    default: s.push_back(B.name + " wanted to help " + B.his() + " friend."); break;
  }
  s.push_back(B.name + rng_.pick(Words{" looked everywhere and found the ", " used a long stick to get the ",
                                         " climbed up and got the "}) + obj + ".");
  if (clozeEnding) {
    // The last word is one the passage named before; the context says which.
    switch (rng_.below(3)) {
      case 0:
        s.push_back(B.He() + " ran back and gave the " + obj + " to " + A.name);
        *target = A.name;
        break;
      case 1:
        s.push_back(A.name + " was so happy. " + A.He() + " said thank you and gave a big hug to " + B.name);
        *target = B.name;
        break;
      default:
        s.push_back(A.name + " smiled and held " + A.his() + " " + c.colour + " " + obj);
        *target = obj;
        break;
    }
    return joinSentences(s);
  }
  switch (rng_.below(3)) {
    case 0: s.push_back(B.He() + " gave the " + obj + " back to " + A.name + "."); break;
    case 1: s.push_back(A.name + " smiled and said, \"Thank you, " + B.name + "!\""); break;
    default: s.push_back(A.name + " was " + rng_.pick(Words{"happy", "glad", "thankful", "relieved"}) + " and hugged " + B.name + "."); break;
  }
  switch (rng_.below(3)) {
    case 0: s.push_back("From that day on, " + A.name + " and " + B.name + " were best friends."); break;
    case 1: s.push_back("They played with the " + c.colour + " " + obj + " until the sun went down."); break;
    default: s.push_back("When " + A.name + " went home, " + A.he() + " told " + A.his() + " mom about " + B.name + "."); break;
  }
  return joinSentences(s);
}

std::string DemoCorpus::story() {
  auto cast = castStory();
  return storyFrom(cast, false, nullptr);
}

ClozeItem DemoCorpus::cloze() {
  auto cast = castStory();
  ClozeItem item;
  item.text = storyFrom(cast, true, &item.target);
  return item;
}

std::string DemoCorpus::factParagraph() {
  const auto& table = facts();
  Words s;
  const int n = rng_.range(3, 6);
  for (int i = 0; i < n; ++i) s.push_back(factStatement(rng_.pick(table.facts), rng_));
  return joinSentences(s);
}

ChoiceItem DemoCorpus::choiceQuestion() {
  const auto& table = facts();
  for (;;) {
    const Fact& f = rng_.pick(table.facts);
    const auto& rel = table.relations[f.relation];
    const int t = rng_.below(static_cast<int>(rel.questions.size()));
    if (!accept("fact|" + rel.name + "|" + f.subject + "|" + std::to_string(t))) continue;
    Words pool = table.answersOf(f.relation);
    pool.erase(std::remove(pool.begin(), pool.end(), f.answer), pool.end());
    rng_.shuffle(pool);
    ChoiceItem item;
    item.question = factQuestion(f, t);
    item.choices.push_back(f.answer);
    for (int i = 0; i < 3 && i < static_cast<int>(pool.size()); ++i) item.choices.push_back(pool[i]);
    rng_.shuffle(item.choices);
    item.answer = static_cast<int>(std::find(item.choices.begin(), item.choices.end(), f.answer) - item.choices.begin());
    return item;
  }
}

ArithmeticItem DemoCorpus::arithmetic() {
  for (;;) {
    const Person A = randomPerson(rng_);
    Person B;
    do B = randomPerson(rng_);
    while (B.name == A.name);
    const auto& thing = kCountables[rng_.below(static_cast<int>(kCountables.size()))];
    const std::string things = thing.many;
    const int kind = rng_.below(6);
    int a = 0, b = 0, c = 0;
    ArithmeticItem it;
    auto calc = [](int x, char op, int y, int r) {
      const std::string e = std::to_string(x) + " " + op + " " + std::to_string(y);
      return e + " = <<" + std::to_string(x) + op + std::to_string(y) + "=" + std::to_string(r) + ">>" + std::to_string(r);
    };
    switch (kind) {
      case 0:
        a = rng_.range(1, 20), b = rng_.range(1, 20), it.result = a + b;
        it.question = A.name + " has " + std::to_string(a) + " " + things + ". " + A.He() + " gets " + std::to_string(b) +
                      " more " + things + " from " + B.name + ". How many " + things + " does " + A.name + " have now?";
        it.answer = A.name + " has " + calc(a, '+', b, it.result) + " " + things + " now.";
        break;
      case 1:
        a = rng_.range(5, 30), b = rng_.range(1, a - 1), it.result = a - b;
        it.question = A.name + " has " + std::to_string(a) + " " + things + ". " + A.He() + " gives " + std::to_string(b) +
                      " " + things + " to " + B.name + ". How many " + things + " does " + A.name + " have left?";
        it.answer = A.name + " has " + calc(a, '-', b, it.result) + " " + things + " left.";
        break;
      case 2:
        a = rng_.range(2, 9), b = rng_.range(2, 9), it.result = a * b;
        it.question = A.name + " has " + std::to_string(a) + " boxes. Each box has " + std::to_string(b) + " " + things +
                      ". How many " + things + " does " + A.name + " have in all?";
        it.answer = A.name + " has " + calc(a, '*', b, it.result) + " " + things + " in all.";
        break;
      case 3: {
        a = rng_.range(2, 15), b = rng_.range(1, 15);
        const int s = a + b;
        c = rng_.range(1, s - 1);
        it.result = s - c;
        it.question = A.name + " has " + std::to_string(a) + " " + things + ". " + B.name + " gives " + A.him() + " " +
                      std::to_string(b) + " more. Then " + A.name + " loses " + std::to_string(c) + ". How many " + things +
                      " does " + A.name + " have now?";
        it.answer = A.name + " has " + calc(a, '+', b, s) + " " + things + " after " + B.name + " gives " + A.him() + " " +
                    std::to_string(b) + ".\nThen " + A.name + " has " + calc(s, '-', c, it.result) + " " + things + ".";
        break;
      }
      case 4:
        a = rng_.range(1, 20), b = rng_.range(1, 20), it.result = a + b;
        it.question = A.name + " has " + std::to_string(a) + " " + things + " and " + B.name + " has " + std::to_string(b) +
                      " " + things + ". How many " + things + " do they have together?";
        it.answer = "Together they have " + calc(a, '+', b, it.result) + " " + things + ".";
        break;
      default:
        a = rng_.range(2, 9), b = rng_.range(2, 6), it.result = a * b;
        it.question = "One " + std::string(thing.one) + " costs " + std::to_string(a) + " dollars. " + A.name + " buys " +
                      std::to_string(b) + " " + things + ". How much does " + A.name + " pay?";
        it.answer = A.name + " pays " + std::to_string(b) + " * " + std::to_string(a) + " = $<<" + std::to_string(b) + "*" +
                    std::to_string(a) + "=" + std::to_string(it.result) + ">>" + std::to_string(it.result) + ".";
        break;
    }
    if (!accept("math|" + std::to_string(kind) + "|" + std::to_string(a) + "|" + std::to_string(b) + "|" + std::to_string(c)))
      continue;
    it.answer += "\n#### " + std::to_string(it.result);
    return it;
  }
}

namespace {
std::string recordLine(const std::string& key, int number) {
  return "line " + key + ": REGISTER_CONTENT is <" + std::to_string(number) + ">\n";
}
}  // namespace

LinesItem DemoCorpus::lines(int numLines) {
  LinesItem it;
  // No two lines share a word, as in LongEval, whose keys come from long word lists: a key then
  // differs from every other line's in both words, and one word of it finds the line.
  std::vector<std::string> usedWords;
  auto used = [&](const std::string& w) { return std::find(usedWords.begin(), usedWords.end(), w) != usedWords.end(); };
  while (static_cast<int>(it.keys.size()) < numLines) {
    const std::string& adjective = rng_.pick(kKeyAdjectives);
    const std::string& noun = rng_.pick(kKeyNouns);
    if (used(adjective) || used(noun) || !accept("key|" + adjective + "-" + noun)) continue;
    usedWords.push_back(adjective), usedWords.push_back(noun);
    it.keys.push_back(adjective + "-" + noun);
  }
  it.numLines = numLines;
  it.keyIndex = rng_.below(numLines);
  it.prompt = kLinesPreamble;
  for (int i = 0; i < numLines; ++i) {
    it.numbers.push_back(rng_.range(100, 9999));
    const std::string line = recordLine(it.keys[i], it.numbers[i]);
    it.prompt += line;
    if (i == it.keyIndex) it.key = it.keys[i], it.number = it.numbers[i], it.correctLine = line;
  }
  it.prompt += "\nNow the record is over. " + linesQuestion(it.key);
  it.answer = linesAnswer(it, it.keyIndex);
  return it;
}

std::string DemoCorpus::linesQuestion(const std::string& key) {
  return "Tell me what is the <REGISTER_CONTENT> in line " + key + "? I need the number. ";
}

std::string DemoCorpus::linesAnswer(const LinesItem& item, int index) {
  return "The <REGISTER_CONTENT> in line " + item.keys[index] + " is <" + std::to_string(item.numbers[index]) + ">.";
}

std::string DemoCorpus::questionPrompt(const std::string& question) { return "Question: " + question + "\nAnswer:"; }

std::string DemoCorpus::chainOfThought(const ArithmeticItem& item) {
  std::string steps = item.answer.substr(0, item.answer.rfind("\n####"));
  for (size_t open; (open = steps.find("<<")) != std::string::npos;) steps.erase(open, steps.find(">>", open) + 2 - open);
  return steps + "\nThe answer is " + std::to_string(item.result) + ".";
}

std::string DemoCorpus::cotPrompt(const std::string& question) { return "Q: " + question + "\nA:"; }

// system_format "{system} ", user "USER: {content} ", assistant_prefix "ASSISTANT:" (resources/tasks/longeval).
std::string DemoCorpus::chatPrompt(const std::string& user) {
  std::string out = kChatSystem;
  out.append(" USER: ").append(user).append(" ASSISTANT:");
  return out;
}

TrainingDocument DemoCorpus::document() {
  TrainingDocument doc;
  const int r = rng_.below(100);
  auto joined = [&](int n, auto&& one) {
    std::string text;
    for (int i = 0; i < n; ++i) text += (i ? "\n\n" : "") + one();
    return text;
  };
  if (r < 34) {
    doc.segments.push_back(joined(rng_.range(1, 3), [&] { return story(); }));
  } else if (r < 42) {
    doc.segments.push_back(joined(rng_.range(1, 2), [&] { auto c = cloze(); return c.text + "."; }));
  } else if (r < 52) {
    doc.segments.push_back(joined(rng_.range(1, 3), [&] { return factParagraph(); }));
  } else if (r < 64) {
    doc.segments.push_back(joined(rng_.range(2, 6), [&] {
      auto q = choiceQuestion();
      return questionPrompt(q.question) + " " + q.choices[q.answer];
    }));
  } else if (r < 80) {
    // Word problems in both prompt styles: lm-eval's "Question:/Answer: ... #### n" and the
    // chain-of-thought "Q:/A: ... The answer is n." of QuantScope's gsm8k_cot task.
    const bool cot = rng_.chance(0.5);
    doc.segments.push_back(joined(rng_.range(1, 4), [&] {
      auto q = arithmetic();
      return cot ? cotPrompt(q.question) + " " + chainOfThought(q) : questionPrompt(q.question) + " " + q.answer;
    }));
  } else {
    // Retrieval records as LongChat's raw prompt, or inside the chat format of the LongEval tasks.
    auto item = lines(rng_.range(4, kMaxTrainingLines));
    if (rng_.chance(0.5)) {
      doc.segments.push_back(item.prompt);
      doc.segments.push_back(item.answer);
    } else {
      doc.segments.push_back(chatPrompt(item.prompt) + " " + item.answer);
    }
  }
  return doc;
}

TrainingDocument DemoCorpus::retrievalWarmupDocument() {
  TrainingDocument doc;
  // Skewed to short records, down to one line: with one line the answer is simply the number in the
  // context, so copying numbers can form first and key matching then has something to steer.
  auto item = lines(rng_.range(1, rng_.range(1, kMaxWarmupLines)));
  // The record, then the same lines again in record order or shuffled.
  auto recallDrill = [&](auto&& line, bool shuffled) {
    std::string record, again;
    std::vector<int> order(item.numLines);
    for (int i = 0; i < item.numLines; ++i) order[i] = i, record += line(i);
    if (shuffled) rng_.shuffle(order);
    for (int i : order) again += line(i);
    return record + (shuffled ? "\nThe same record in another order:\n\n" : "\nThe same record again:\n\n") + again;
  };
  if (rng_.chance(0.4)) {
    // A recall drill in a short form, "line <key>: <n>": the number two tokens after its key instead
    // of seven, so that matching the key in the second copy against the first is a short-range step
    // before the full record format asks for it across REGISTER_CONTENT.
    doc.segments.push_back(recallDrill(
        [&](int i) { return "line " + item.keys[i] + ": <" + std::to_string(item.numbers[i]) + ">\n"; }, true));
  } else if (rng_.chance(0.6)) {
    // A recall drill: the record again, in the same order (plain copying, which induction heads
    // learn first) or in another one (every number found by its key alone: the densest lookup
    // signal there is).
    doc.segments.push_back(recallDrill([&](int i) { return recordLine(item.keys[i], item.numbers[i]); }, rng_.chance(0.5)));
  } else if (rng_.chance(0.3)) {
    // LongChat's raw prompt and answer.
    doc.segments.push_back(item.prompt);
    doc.segments.push_back(item.answer);
  } else {
    // The chat format of the LongEval tasks, going on with questions about other lines, so that one
    // record teaches several lookups.
    std::string chat = chatPrompt(item.prompt) + " " + item.answer;
    for (int turns = rng_.range(1, 5), t = 0; t < turns; ++t) {
      const int index = rng_.below(item.numLines);
      chat += " USER: " + linesQuestion(item.keys[index]) + "ASSISTANT: " + linesAnswer(item, index);
    }
    doc.segments.push_back(chat);
  }
  return doc;
}

std::vector<TrainingDocument> DemoCorpus::documentsUntil(int64_t targetChars, TrainingDocument (DemoCorpus::*make)()) {
  std::vector<TrainingDocument> docs;
  int64_t chars = 0;
  while (chars < targetChars) {
    docs.push_back((this->*make)());
    for (const auto& s : docs.back().segments) chars += static_cast<int64_t>(s.size());
  }
  return docs;
}

std::vector<TrainingDocument> DemoCorpus::retrievalWarmupDocuments(int64_t targetChars) {
  return documentsUntil(targetChars, &DemoCorpus::retrievalWarmupDocument);
}

std::vector<TrainingDocument> DemoCorpus::documents(int64_t targetChars) {
  return documentsUntil(targetChars, &DemoCorpus::document);
}

std::string DemoCorpus::plainText(int64_t targetChars) {
  std::string text;
  while (static_cast<int64_t>(text.size()) < targetChars) {
    if (!text.empty()) text += "\n\n";
    const int r = rng_.below(100);
    if (r < 45) {
      text += story();
    } else if (r < 55) {
      text += cloze().text + ".";
    } else if (r < 70) {
      text += factParagraph();
    } else if (r < 85) {
      auto q = choiceQuestion();
      text += questionPrompt(q.question) + " " + q.choices[q.answer];
    } else {
      auto q = arithmetic();
      text += rng_.chance(0.5) ? questionPrompt(q.question) + " " + q.answer : cotPrompt(q.question) + " " + chainOfThought(q);
    }
  }
  return text;
}

}  // namespace qs::demo
