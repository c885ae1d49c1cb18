// The tokenizer.json loader: the input is written as tokenizer.json of an otherwise empty folder;
// a tokenizer that loads must encode and decode a fixed text.
#include <string>

#include "core/tokenizer/tokenizer.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  const auto dir = scratchDir() / "tokenizer";
  static const bool made = std::filesystem::create_directories(dir);
  (void)made;
  writeFile(dir / "tokenizer.json", asText(data, size));
  expectCleanRejection([&] {
    auto tok = qs::Tokenizer::load(dir);
    static const std::string kText = "Hello, world! It's 2024: naïve café — 日本語 <s> </s>\n\ttabs  and   spaces 12345";
    for (bool special : {true, false}) {
      std::vector<int> ids = tok->encode(kText, special);
      (void)tok->decode(ids, true);
      (void)tok->decode(ids, false);
      for (int id : ids) (void)tok->tokenString(id);
    }
    (void)tok->decode({0, 1, 2, -1, tok->vocabSize(), tok->vocabSize() - 1, 1 << 30}, false);
  });
  return 0;
}
