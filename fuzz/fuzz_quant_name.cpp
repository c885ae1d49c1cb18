// Quantization names: QuantConfig::parse. An accepted name must print a canonical name that
// parses back to the same configuration and prints identically (quant_config.h's promise).
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_common.h"
#include "quant/quant_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  const std::string_view text = asText(data, size);
  expectCleanRejection([&] {
    qs::QuantConfig c = qs::QuantConfig::parse(text);
    const std::string name = c.name();
    qs::QuantConfig again;
    try {
      again = qs::QuantConfig::parse(name);
    } catch (const qs::Error& e) {
      fail("canonical name '" + name + "' of '" + std::string(text) + "' does not parse: " + e.what());
    }
    if (again.name() != name) fail("'" + name + "' prints back as '" + again.name() + "'");
    nlohmann::json j;
    to_json(j, c);
    if (qs::quantConfigFromJson(j).name() != name) fail("'" + name + "' does not survive JSON");
  });
  return 0;
}
