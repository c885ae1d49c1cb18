// config.json: parseJson, then ModelConfig::fromJson (the common part and every family's reader).
#include <nlohmann/json.hpp>

#include "core/base/json_text.h"
#include "core/model/family.h"
#include "core/model/model_config.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  expectCleanRejection([&] {
    nlohmann::json j = qs::parseJson(asText(data, size), "config.json");
    qs::ModelConfig c = qs::ModelConfig::fromJson(j, "config.json");
    if (!c.family) fail("accepted a config without a family");
  });
  return 0;
}
