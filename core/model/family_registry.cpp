// The family registry: one line per family. Adding a family = its file in families/ and its line
// here.
#include "core/base/error.h"
#include "core/model/family.h"

#define QS_FAMILIES(X) \
  X(llama)             \
  X(opt)               \
  X(mistral)           \
  X(qwen2)             \
  X(gemma)             \
  X(stablelm)          \
  X(falcon)            \
  X(bloom)             \
  X(gpt2)              \
  X(mixtral)           \
  X(chatglm)           \
  X(mamba)

namespace qs {

#define QS_DECLARE_FAMILY(name) const Family& name##Family();
QS_FAMILIES(QS_DECLARE_FAMILY)
#undef QS_DECLARE_FAMILY

const std::vector<const Family*>& allFamilies() {
#define QS_LIST_FAMILY(name) &name##Family(),
  static const std::vector<const Family*> families{QS_FAMILIES(QS_LIST_FAMILY)};
#undef QS_LIST_FAMILY
  return families;
}

const Family* familyFromModelType(std::string_view modelType) {
  for (const Family* f : allFamilies())
    for (auto t : f->modelTypes)
      if (t == modelType) return f;
  return nullptr;
}

const Family& familyByName(std::string_view name) {
  std::string known;
  for (const Family* f : allFamilies()) {
    if (f->name == name) return *f;
    known += (known.empty() ? "" : ", ") + std::string(f->name);
  }
  throw Error("unknown model family \"" + std::string(name) + "\" (known: " + known + ")");
}

std::string supportedModelTypes() {
  std::string out;
  for (const Family* f : allFamilies())
    for (auto t : f->modelTypes) out += (out.empty() ? "" : ", ") + std::string(t);
  return out;
}

std::string_view familyName(const Family* family) { return family ? family->name : std::string_view("?"); }

}  // namespace qs
