#include "core/tokenizer/sentencepiece_tokenizer.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "core/base/error.h"
#include "core/tokenizer/sentencepiece_shim/sentencepiece_shim.h"
#include "core/tokenizer/utf8.h"

namespace qs {

namespace fs = std::filesystem;

// The shim's entry points, resolved once per process; the module stays loaded for good.
class SentencePieceShim {
 public:
  decltype(&qs_spm_load) load = nullptr;
  decltype(&qs_spm_free) free = nullptr;
  decltype(&qs_spm_encode) encode = nullptr;
  decltype(&qs_spm_decode) decode = nullptr;
  decltype(&qs_spm_piece_size) pieceSize = nullptr;
  decltype(&qs_spm_piece_to_id) pieceToId = nullptr;
  decltype(&qs_spm_id_to_piece) idToPiece = nullptr;
  decltype(&qs_spm_bos_id) bosId = nullptr;
  decltype(&qs_spm_eos_id) eosId = nullptr;
  decltype(&qs_spm_pad_id) padId = nullptr;
  decltype(&qs_spm_unk_id) unkId = nullptr;
  decltype(&qs_spm_is_control) isControl = nullptr;

  // Tries the candidates in order; on failure returns nullptr and says why in `why`.
  static std::shared_ptr<const SentencePieceShim> open(std::string& why);

 private:
  bool bind(void* handle, std::string& why);
};

namespace {

template <typename Fn>
bool bindSymbol(void* handle, const char* name, Fn& target, std::string& why) {
  target = reinterpret_cast<Fn>(dlsym(handle, name));
  if (!target) why = std::string("symbol ") + name + " is missing";
  return target != nullptr;
}

fs::path executableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

constexpr const char* kShimFile = "libqs_sentencepiece_shim.so";
constexpr size_t kErrorSize = 512;

}  // namespace

bool SentencePieceShim::bind(void* handle, std::string& why) {
  decltype(&qs_spm_abi_version) version = nullptr;
  if (!bindSymbol(handle, "qs_spm_abi_version", version, why)) return false;
  if (version() != QS_SPM_ABI_VERSION) {
    why = "ABI version " + std::to_string(version()) + ", expected " + std::to_string(QS_SPM_ABI_VERSION);
    return false;
  }
  return bindSymbol(handle, "qs_spm_load", load, why) && bindSymbol(handle, "qs_spm_free", free, why) &&
         bindSymbol(handle, "qs_spm_encode", encode, why) && bindSymbol(handle, "qs_spm_decode", decode, why) &&
         bindSymbol(handle, "qs_spm_piece_size", pieceSize, why) &&
         bindSymbol(handle, "qs_spm_piece_to_id", pieceToId, why) &&
         bindSymbol(handle, "qs_spm_id_to_piece", idToPiece, why) && bindSymbol(handle, "qs_spm_bos_id", bosId, why) &&
         bindSymbol(handle, "qs_spm_eos_id", eosId, why) && bindSymbol(handle, "qs_spm_pad_id", padId, why) && bindSymbol(handle, "qs_spm_unk_id", unkId, why) &&
         bindSymbol(handle, "qs_spm_is_control", isControl, why);
}

std::shared_ptr<const SentencePieceShim> SentencePieceShim::open(std::string& why) {
  static std::mutex mutex;
  static std::shared_ptr<const SentencePieceShim> loaded;
  std::lock_guard lock(mutex);
  if (loaded) return loaded;
  std::string attempts;
  for (const fs::path& candidate : SentencePieceTokenizer::shimCandidates()) {
    std::error_code ec;
    if (!fs::exists(candidate, ec)) {
      attempts += "\n  " + candidate.string() + ": not found";
      continue;
    }
    // DEEPBIND + LOCAL: the shim and libsentencepiece resolve their protobuf symbols among
    // themselves, never against the libprotobuf libtorch brought in.
    void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!handle) {
      const char* error = dlerror();
      attempts += "\n  " + candidate.string() + ": " + (error ? error : "dlopen failed");
      continue;
    }
    auto shim = std::make_shared<SentencePieceShim>();
    std::string reason;
    if (!shim->bind(handle, reason)) {
      attempts += "\n  " + candidate.string() + ": " + reason;
      dlclose(handle);
      continue;
    }
    loaded = shim;
    return loaded;
  }
  why = attempts.empty() ? "\n  no candidate paths" : attempts;
  return nullptr;
}

std::vector<fs::path> SentencePieceTokenizer::shimCandidates() {
  // An explicit path is the only one tried, so a wrong setting is reported, not papered over.
  if (const char* env = std::getenv("QS_SENTENCEPIECE_SHIM"); env && *env) return {fs::path(env)};
  std::vector<fs::path> candidates;
  fs::path exeDir = executableDir();
  if (!exeDir.empty()) {
    candidates.push_back(exeDir / kShimFile);
    candidates.push_back((exeDir / ".." / "lib" / "quantscope" / kShimFile).lexically_normal());
  }
#ifdef QS_SENTENCEPIECE_SHIM_BUILD_PATH
  candidates.emplace_back(QS_SENTENCEPIECE_SHIM_BUILD_PATH);
#endif
  return candidates;
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const fs::path& modelFile,
                                                                     const TokenizerSettings& settings) {
  std::string why;
  auto shim = SentencePieceShim::open(why);
  if (!shim)
    throw Error(modelFile.string() + ": the sentencepiece shim could not be loaded, so this tokenizer.model "
                "cannot be read (set QS_SENTENCEPIECE_SHIM to the path of " + kShimFile + "); tried:" + why);
  char error[kErrorSize] = {0};
  void* model = shim->load(modelFile.c_str(), error, sizeof(error));
  if (!model) throw Error(modelFile.string() + ": sentencepiece could not load the model: " + error);

  auto tokenizer = std::unique_ptr<SentencePieceTokenizer>(new SentencePieceTokenizer());
  tokenizer->shim_ = shim;
  tokenizer->model_ = model;
  tokenizer->file_ = modelFile;
  tokenizer->registerAddedTokens(settings);
  tokenizer->resolveSpecialTokens(settings);
  if (settings.tokenizerClass == "ChatGLMTokenizer") tokenizer->addChatGlmCommands();
  return tokenizer;
}

int SentencePieceTokenizer::pieceId(const std::string& piece) const {
  int id = shim_->pieceToId(static_cast<QsSpmModel*>(model_), piece.data(), piece.size());
  return id >= 0 && id < vocabSize() ? id : -1;
}

// The slow LlamaTokenizer splits special / added tokens out of the text before sentencepiece;
// without a config it registers <s>, </s> and <unk>, i.e. the model's control and unknown pieces.
void SentencePieceTokenizer::registerAddedTokens(const TokenizerSettings& settings) {
  auto* m = static_cast<QsSpmModel*>(model_);
  std::vector<AddedToken> candidates = settings.addedTokens;
  for (AddedToken token : settings.specialTokens()) {
    token.id = pieceId(token.content);
    if (token.id >= 0) candidates.push_back(token);
  }
  for (int id = 0; id < vocabSize(); ++id) {
    if (!shim_->isControl(m, id) && id != shim_->unkId(m)) continue;
    AddedToken token;
    token.content = tokenString(id);
    token.id = id;
    token.special = true;
    candidates.push_back(token);
  }
  std::vector<AddedToken> unique;
  for (const AddedToken& token : candidates) {
    if (token.id < 0 || token.content.empty() || addedById_.count(token.id)) continue;
    addedById_.emplace(token.id, token.content);
    if (token.special) specialIds_.insert(token.id);
    unique.push_back(token);
  }
  addedTokens_ = unique;
  added_ = AddedTokenMatcher(std::move(unique));
}

void SentencePieceTokenizer::addChatGlmCommands() {
  static constexpr const char* kCommands[] = {"[MASK]", "[gMASK]", "[sMASK]", "sop", "eop",
                                              "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"};
  const int first = vocabSize();
  for (const char* name : kCommands) {
    AddedToken token;
    token.content = name;
    token.id = first + commandTokens_++;
    token.special = true;
    addedById_[token.id] = token.content;
    specialIds_.insert(token.id);
    addedTokens_.push_back(token);
  }
  added_ = AddedTokenMatcher(addedTokens_);
  prefix_ = {first + 1, first + 3};  // [gMASK], sop
  addBos_ = false;
  pad_ = shim_->unkId(static_cast<QsSpmModel*>(model_));
}

// Ids from the tokenizer files first, then config.json, then the model's own; LlamaTokenizer's
// defaults add BOS and no EOS.
void SentencePieceTokenizer::resolveSpecialTokens(const TokenizerSettings& settings) {
  auto* m = static_cast<QsSpmModel*>(model_);
  auto resolve = [&](const std::optional<AddedToken>& token, std::optional<int> configId, int modelId) {
    int id = token ? pieceId(token->content) : -1;
    if (id < 0 && configId) id = *configId;
    return id >= 0 ? id : modelId;
  };
  bos_ = resolve(settings.bos, settings.bosTokenId, shim_->bosId(m));
  eos_ = resolve(settings.eos, settings.eosTokenId, shim_->eosId(m));
  pad_ = resolve(settings.pad, settings.padTokenId, shim_->padId(m));
  addBos_ = settings.addBosToken.value_or(true) && bos_ >= 0;
  addEos_ = settings.addEosToken.value_or(false) && eos_ >= 0;
  for (int id : {bos_, eos_, pad_})
    if (id >= 0) specialIds_.insert(id);
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (shim_ && model_) shim_->free(static_cast<QsSpmModel*>(model_));
}

void SentencePieceTokenizer::encodePlain(std::string_view text, std::vector<int>& ids) const {
  auto* m = static_cast<QsSpmModel*>(model_);
  std::vector<int> buffer(text.size() + 8);
  char error[kErrorSize] = {0};
  long n = shim_->encode(m, text.data(), text.size(), buffer.data(), buffer.size(), error, sizeof(error));
  if (n > static_cast<long>(buffer.size())) {
    buffer.resize(n);
    n = shim_->encode(m, text.data(), text.size(), buffer.data(), buffer.size(), error, sizeof(error));
  }
  if (n < 0) throw Error(file_.string() + ": sentencepiece encode failed: " + error);
  ids.insert(ids.end(), buffer.begin(), buffer.begin() + n);
}

std::string SentencePieceTokenizer::decodePlain(const std::vector<int>& ids) const {
  if (ids.empty()) return {};
  auto* m = static_cast<QsSpmModel*>(model_);
  std::string text(ids.size() * 8 + 16, '\0');
  char error[kErrorSize] = {0};
  long n = shim_->decode(m, ids.data(), ids.size(), text.data(), text.size(), error, sizeof(error));
  if (n > static_cast<long>(text.size())) {
    text.resize(n);
    n = shim_->decode(m, ids.data(), ids.size(), text.data(), text.size(), error, sizeof(error));
  }
  if (n < 0) throw Error(file_.string() + ": sentencepiece decode failed: " + error);
  text.resize(n);
  return text;
}

std::vector<int> SentencePieceTokenizer::encode(std::string_view text, bool addSpecialTokens) const {
  std::string input = utf8::lossy(text);
  std::vector<int> ids;
  if (addSpecialTokens && addBos_) ids.push_back(bos_);
  if (addSpecialTokens) ids.insert(ids.end(), prefix_.begin(), prefix_.end());
  for (const TextSegment& piece : added_.split(input)) {
    if (piece.id >= 0) ids.push_back(piece.id);
    else encodePlain(piece.text, ids);
  }
  if (addSpecialTokens && addEos_) ids.push_back(eos_);
  return ids;
}

// Runs of ordinary ids go through sentencepiece; added tokens are written as their text.
std::string SentencePieceTokenizer::decode(const std::vector<int>& ids, bool skipSpecialTokens) const {
  std::string text;
  std::vector<int> run;
  int size = vocabSize();
  for (int id : ids) {
    if (id < 0 || id >= size || (skipSpecialTokens && specialIds_.count(id))) continue;
    auto it = addedById_.find(id);
    if (it == addedById_.end()) {
      run.push_back(id);
      continue;
    }
    text += decodePlain(run);
    run.clear();
    text += it->second;
  }
  text += decodePlain(run);
  return text;
}

std::string SentencePieceTokenizer::tokenString(int id) const {
  if (auto it = addedById_.find(id); it != addedById_.end() && id >= vocabSize() - commandTokens_) return it->second;
  auto* m = static_cast<QsSpmModel*>(model_);
  std::string piece(64, '\0');
  long n = shim_->idToPiece(m, id, piece.data(), piece.size());
  if (n < 0) throw Error(file_.string() + ": token id " + std::to_string(id) + " is not in the vocabulary");
  if (n > static_cast<long>(piece.size())) {
    piece.resize(n);
    shim_->idToPiece(m, id, piece.data(), piece.size());
  }
  piece.resize(n);
  return piece;
}

int SentencePieceTokenizer::vocabSize() const {
  return shim_->pieceSize(static_cast<QsSpmModel*>(model_)) + commandTokens_;
}

}  // namespace qs
