#include "core/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "core/base/error.h"
#include "core/tokenizer/utf8.h"

namespace qs {

namespace {

constexpr size_t kCacheCapacity = 100000;
constexpr size_t kMaxCachedWordBytes = 256;

}  // namespace

BpeModel::BpeModel(TokenIdMap vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                   Options options, const std::string& where)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  int maxId = -1;
  for (const auto& [token, id] : vocab_) {
    if (id < 0) throw Error(where + ": token '" + token + "' has a negative id");
    maxId = std::max(maxId, id);
  }
  idToToken_.resize(maxId + 1);
  hasToken_.assign(maxId + 1, false);
  for (const auto& [token, id] : vocab_) {
    idToToken_[id] = token;
    hasToken_[id] = true;
  }
  if (!options_.unkToken.empty()) unkId_ = tokenId(options_.unkToken);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    byteIds_[b] = tokenId(name);
  }
  size_t prefixLength = options_.continuingSubwordPrefix.size();
  merges_.reserve(merges.size() * 2);
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    int a = tokenId(left);
    int b = tokenId(right);
    if (a < 0 || b < 0)
      throw Error(where + ": merge " + std::to_string(rank) + " '" + left + " " + right + "': '" +
                  (a < 0 ? left : right) + "' is not in the vocabulary");
    // With a continuing-subword prefix ("##"), the right part loses it when merged.
    std::string merged = left + (prefixLength && right.compare(0, prefixLength, options_.continuingSubwordPrefix) == 0
                                     ? right.substr(prefixLength)
                                     : right);
    int newId = tokenId(merged);
    if (newId < 0)
      throw Error(where + ": merge " + std::to_string(rank) + " '" + left + " " + right +
                  "': the merged token '" + merged + "' is not in the vocabulary");
    // A repeated pair keeps its last rank, as both tokenizers and the slow tokenizers do.
    merges_.insert_or_assign(pairKey(a, b), Merge{static_cast<int>(rank), newId});
  }
}

int BpeModel::tokenId(std::string_view token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

const std::string* BpeModel::tokenString(int id) const {
  if (id < 0 || id >= static_cast<int>(idToToken_.size()) || !hasToken_[id]) return nullptr;
  return &idToToken_[id];
}

const BpeModel::Merge* BpeModel::findMerge(int a, int b) const {
  auto it = merges_.find(pairKey(a, b));
  return it == merges_.end() ? nullptr : &it->second;
}

// Mirrors tokenizers' BPE::merge_word, including its order quirk: a pending unk is emitted only
// when the next known character (or the end) comes, so byte-fallback tokens can precede it.
void BpeModel::initialSymbols(std::string_view word, std::vector<int>& ids) const {
  int pendingUnks = 0;
  auto flushUnk = [&] {
    for (; pendingUnks > 0; --pendingUnks) ids.push_back(unkId_);
  };
  std::string piece;
  for (size_t pos = 0; pos < word.size();) {
    size_t length = utf8::charLength(word, pos);
    piece.clear();
    if (pos > 0) piece += options_.continuingSubwordPrefix;
    piece.append(word.substr(pos, length));
    if (pos + length == word.size()) piece += options_.endOfWordSuffix;
    if (int id = tokenId(piece); id >= 0) {
      flushUnk();
      ids.push_back(id);
    } else if (options_.byteFallback && hasAllBytes(word.substr(pos, length))) {
      for (size_t i = 0; i < length; ++i) ids.push_back(byteIds_[static_cast<unsigned char>(word[pos + i])]);
    } else if (unkId_ >= 0) {
      if (!(options_.fuseUnk && pendingUnks > 0)) ++pendingUnks;
    }
    pos += length;
  }
  flushUnk();
}

bool BpeModel::hasAllBytes(std::string_view bytes) const {
  for (char c : bytes)
    if (byteIds_[static_cast<unsigned char>(c)] < 0) return false;
  return true;
}

// The merge loop of tokenizers' Word::merge_all: a heap of candidate pairs ordered by (rank,
// position); stale entries are skipped when popped.
void BpeModel::mergeAll(std::vector<int>& ids) const {
  if (ids.size() < 2) return;
  struct Symbol {
    int id;
    int prev;
    int next;
    bool alive;
  };
  struct Candidate {
    int rank;
    int pos;
    int newId;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  const int n = static_cast<int>(ids.size());
  std::vector<Symbol> symbols(n);
  for (int i = 0; i < n; ++i) symbols[i] = {ids[i], i - 1, i + 1 < n ? i + 1 : -1, true};
  std::vector<Candidate> initial;
  initial.reserve(n);
  for (int i = 0; i + 1 < n; ++i)
    if (const Merge* m = findMerge(ids[i], ids[i + 1])) initial.push_back({m->rank, i, m->newId});
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue(std::greater<>{}, std::move(initial));

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol& current = symbols[top.pos];
    if (!current.alive || current.next < 0) continue;
    Symbol& right = symbols[current.next];
    const Merge* m = findMerge(current.id, right.id);
    if (!m || m->newId != top.newId) continue;
    current.id = top.newId;
    right.alive = false;
    current.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (current.prev >= 0) {
      if (const Merge* pm = findMerge(symbols[current.prev].id, current.id))
        queue.push({pm->rank, current.prev, pm->newId});
    }
    if (current.next >= 0) {
      if (const Merge* nm = findMerge(current.id, symbols[current.next].id))
        queue.push({nm->rank, top.pos, nm->newId});
    }
  }
  ids.clear();
  for (const Symbol& s : symbols)
    if (s.alive) ids.push_back(s.id);
}

void BpeModel::tokenize(std::string_view word, std::vector<int>& out) const {
  if (word.empty()) return;
  if (options_.ignoreMerges) {
    if (int id = tokenId(word); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard lock(cacheMutex_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int> ids;
  ids.reserve(word.size());
  initialSymbols(word, ids);
  mergeAll(ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    std::lock_guard lock(cacheMutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::string(word), std::move(ids));
  }
}

}  // namespace qs
