#include "core/model/family.h"

#include <array>
#include <utility>

namespace qs {
namespace {
struct FamilyEntry {
  Family family;
  std::string_view name;
  std::array<std::string_view, 4> modelTypes;  // config.json model_type values of the family
};
constexpr std::array<FamilyEntry, 2> kFamilies{{
    // Vicuna, LongChat and LLaMA-2 checkpoints all say model_type "llama".
    {Family::Llama, "llama", {"llama", "", "", ""}},
    {Family::Opt, "opt", {"opt", "", "", ""}},
}};
}  // namespace

std::string_view familyName(Family family) {
  for (const auto& e : kFamilies)
    if (e.family == family) return e.name;
  return "?";
}

std::optional<Family> familyFromModelType(std::string_view modelType) {
  for (const auto& e : kFamilies)
    for (auto t : e.modelTypes)
      if (!t.empty() && t == modelType) return e.family;
  return std::nullopt;
}

std::string supportedModelTypes() {
  std::string out;
  for (const auto& e : kFamilies)
    for (auto t : e.modelTypes)
      if (!t.empty()) out += (out.empty() ? "" : ", ") + std::string(t);
  return out;
}

}  // namespace qs
