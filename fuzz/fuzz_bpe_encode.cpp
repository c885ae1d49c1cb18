// The BPE encoder: the input is text, encoded with the demo model's tokenizer (byte-level BPE, no
// normalizer) and decoded back. Ids must lie in the vocabulary, and for valid UTF-8 the round trip
// decode(encode(x)) must give x back exactly.
#include <memory>
#include <string>

#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/utf8.h"
#include "fuzz/fuzz_common.h"

namespace {
std::unique_ptr<qs::Tokenizer> tokenizer;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A private copy: the bundled folder may be edited while a long run goes on.
  const auto dir = qs::fuzz::scratchDir() / "demo-tokenizer";
  std::filesystem::create_directories(dir);
  const std::filesystem::path src = QS_SOURCE_DIR "/resources/demo-model";
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json"})
    if (std::filesystem::exists(src / f))
      std::filesystem::copy_file(src / f, dir / f, std::filesystem::copy_options::overwrite_existing);
  tokenizer = qs::Tokenizer::load(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  const std::string_view text = asText(data, size);
  expectCleanRejection([&] {
    for (int id : tokenizer->encode(text, true))
      if (id < 0 || id >= tokenizer->vocabSize()) fail("encode produced id " + std::to_string(id));
    std::vector<int> ids = tokenizer->encode(text, false);
    if (qs::utf8::isValid(text) && tokenizer->decode(ids, false) != text) fail("round trip changed the text");
    (void)tokenizer->decode(ids, true);
  });
  return 0;
}
