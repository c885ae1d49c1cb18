#pragma once
// Model families. A family is this enum value, a tensor-role table (core/family_tables.cpp) and one
// short forward file (core/families/<name>.cpp) composed of the shared blocks in core/blocks.h.
#include <optional>
#include <string>
#include <string_view>

namespace qs {

enum class Family { Llama, Opt };

std::string_view familyName(Family family);  // "llama", "opt"
// Maps config.json's model_type (and architectures) to a family; nullopt when unknown.
std::optional<Family> familyFromModelType(std::string_view modelType);
// The model_type values QuantScope can load, for error messages.
std::string supportedModelTypes();

}  // namespace qs
