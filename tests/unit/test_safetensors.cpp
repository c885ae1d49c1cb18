#include <QtTest/QtTest>

#include <ATen/ATen.h>

#include <cstring>
#include <fstream>

#include "core/checkpoint/checkpoint.h"
#include "core/base/error.h"
#include "core/checkpoint/safetensors.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;

namespace {

fs::path goldenLlama() { return qs::test::goldenDir() / "llama"; }

void writeBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string lengthPrefix(uint64_t n) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &n, 8);
  return s;
}

// A file with the given header text (padded to 8) followed by `dataBytes` zero bytes.
fs::path rawFile(const fs::path& dir, const std::string& name, std::string header, size_t dataBytes) {
  header.append((8 - header.size() % 8) % 8, ' ');
  auto path = dir / name;
  writeBytes(path, lengthPrefix(header.size()) + header + std::string(dataBytes, '\0'));
  return path;
}

// Empty when open() throws qs::Error mentioning every needle, else what went wrong.
QString openFailure(const fs::path& path, const std::vector<std::string>& needles) {
  try {
    qs::SafetensorsFile::open(path);
  } catch (const qs::Error& e) {
    const std::string message = e.what();
    for (const auto& n : needles)
      if (message.find(n) == std::string::npos)
        return QString::fromStdString("message lacks '" + n + "': " + message);
    return {};
  } catch (const std::exception& e) {
    return QString::fromStdString(std::string("not a qs::Error: ") + e.what());
  }
  return QString::fromStdString(path.filename().string() + " opened without error");
}

QString checkpointFailure(const fs::path& dir, const std::vector<std::string>& needles) {
  try {
    qs::Checkpoint::open(dir);
  } catch (const qs::Error& e) {
    const std::string message = e.what();
    for (const auto& n : needles)
      if (message.find(n) == std::string::npos)
        return QString::fromStdString("message lacks '" + n + "': " + message);
    return {};
  }
  return QString::fromStdString(dir.string() + " opened without error");
}

bool bitEqual(const at::Tensor& a, const at::Tensor& b) {
  // memcmp with a null pointer is undefined even for 0 bytes, and an empty tensor has no data.
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() &&
         (a.numel() == 0 ||
          std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.numel() * a.element_size()) == 0);
}

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void init() {
    if (!fs::exists(goldenLlama() / "model.safetensors")) QSKIP("shared/golden/llama not found");
  }

  void readsGoldenLogits() {
    auto file = qs::SafetensorsFile::open(goldenLlama() / "logits.safetensors");
    QCOMPARE(file->entries().size(), size_t(1));
    const auto* e = file->find("logits");
    QVERIFY(e);
    QCOMPARE(e->dtype, std::string("F32"));
    QCOMPARE(e->shape, (std::vector<int64_t>{2, 24, 512}));
    QCOMPARE(file->metadata().at("format"), std::string("pt"));
    at::Tensor logits = file->tensor("logits");
    QCOMPARE(logits.scalar_type(), at::kFloat);
    QCOMPARE(logits.sizes().vec(), (std::vector<int64_t>{2, 24, 512}));
    // README: max|logit| of llama is 3.2470.
    QVERIFY(std::abs(logits.abs().max().item<float>() - 3.2470f) < 1e-3f);
  }

  void readsGoldenModel() {
    auto file = qs::SafetensorsFile::open(goldenLlama() / "model.safetensors");
    const auto& entries = file->entries();
    QVERIFY(std::is_sorted(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; }));
    QCOMPARE(file->find("lm_head.weight")->shape, (std::vector<int64_t>{512, 64}));
    QCOMPARE(file->find("model.layers.1.self_attn.k_proj.weight")->shape, (std::vector<int64_t>{32, 64}));
    QVERIFY(!file->find("model.nonexistent"));
    int64_t params = 0;
    for (const auto& e : entries) params += file->tensor(e.name).numel();
    QCOMPARE(params, int64_t(139584));  // README table
    try {
      file->tensor("model.nonexistent");
      QFAIL("no error for a missing tensor");
    } catch (const qs::Error& e) {
      QVERIFY(std::string(e.what()).find("model.nonexistent") != std::string::npos);
      QVERIFY(std::string(e.what()).find("model.safetensors") != std::string::npos);
    }
  }

  void tensorOutlivesFile() {
    at::Tensor t;
    {
      auto file = qs::SafetensorsFile::open(goldenLlama() / "logits.safetensors");
      t = file->tensor("logits");
    }
    auto again = qs::SafetensorsFile::open(goldenLlama() / "logits.safetensors")->tensor("logits");
    QVERIFY(at::equal(t, again));
  }

  // The golden files were written by an independent writer; ours must reproduce them byte for byte.
  void writerReproducesGoldenFiles() {
    auto dir = qs::test::freshTempDir("safetensors_golden");
    for (const char* name : {"logits.safetensors", "model.safetensors"}) {
      auto file = qs::SafetensorsFile::open(goldenLlama() / name);
      std::vector<std::pair<std::string, at::Tensor>> tensors;
      for (const auto& e : file->entries()) tensors.emplace_back(e.name, file->tensor(e.name));
      std::reverse(tensors.begin(), tensors.end());  // the writer sorts
      qs::writeSafetensors(dir / name, tensors, file->metadata());
      QVERIFY(qs::test::readFile(dir / name) == qs::test::readFile(goldenLlama() / name));
      QVERIFY(!fs::exists(dir / (std::string(name) + ".tmp")));
    }
  }

  void writerBytesForFixedInput() {
    auto dir = qs::test::freshTempDir("safetensors_fixed");
    at::Tensor b = at::tensor({1.0f, -2.0f}).to(at::kHalf);
    at::Tensor a = at::tensor({7}, at::kInt);
    qs::writeSafetensors(dir / "x.safetensors", {{"b", b}, {"a", a}}, {{"k", "v"}});
    const std::string header =
        R"({"__metadata__":{"k":"v"},"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},)"
        R"("b":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}}    )";
    QCOMPARE(header.size(), size_t(136));
    const std::string expected = std::string("\x88\0\0\0\0\0\0\0", 8) + header +
                                 std::string("\x07\0\0\0" "\x00\x3c" "\x00\xc0", 8);
    QCOMPARE(qs::test::readFile(dir / "x.safetensors"), expected);
  }

  void halfAndBfloat16RoundTripBitExact() {
    auto dir = qs::test::freshTempDir("safetensors_roundtrip");
    at::manual_seed(3);
    at::Tensor base = at::randn({7, 5});
    at::Tensor special = at::tensor({0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-8f, 65504.f, 1e38f});
    std::vector<std::pair<std::string, at::Tensor>> tensors = {
        {"f16", base.to(at::kHalf)},
        {"bf16", base.to(at::kBFloat16)},
        {"f16.special", special.to(at::kHalf)},
        {"bf16.special", special.to(at::kBFloat16)},
        {"f64", base.to(at::kDouble)},
        {"i64", at::arange(-5, 5, at::kLong)},
        {"u8", at::arange(0, 255, at::kByte)},
        {"bool", at::tensor({1, 0, 1}).to(at::kBool)},
        {"transposed", base.t()},  // non-contiguous input is written contiguous
        {"empty", at::empty({0, 3})},
        {"scalar", at::tensor(2.5f).reshape({})},
    };
    qs::writeSafetensors(dir / "rt.safetensors", tensors, {{"format", "pt"}, {"note", "\"quoted\" é"}});
    auto file = qs::SafetensorsFile::open(dir / "rt.safetensors");
    QCOMPARE(file->entries().size(), tensors.size());
    for (const auto& [name, t] : tensors) {
      at::Tensor back = file->tensor(name);
      QVERIFY2(bitEqual(back, t), name.c_str());
    }
    QCOMPARE(file->find("bf16")->dtype, std::string("BF16"));
    QCOMPARE(file->find("bool")->dtype, std::string("BOOL"));
    QCOMPARE(file->find("empty")->shape, (std::vector<int64_t>{0, 3}));
    QCOMPARE(file->tensor("empty").numel(), int64_t(0));
    QCOMPARE(file->tensor("scalar").dim(), int64_t(0));
    QCOMPARE(file->metadata(), (std::map<std::string, std::string>{{"format", "pt"}, {"note", "\"quoted\" é"}}));
  }

  void noMetadataWhenEmpty() {
    auto dir = qs::test::freshTempDir("safetensors_nometa");
    qs::writeSafetensors(dir / "m.safetensors", {{"x", at::ones({2})}});
    QVERIFY(qs::test::readFile(dir / "m.safetensors").find("__metadata__") == std::string::npos);
    QVERIFY(qs::SafetensorsFile::open(dir / "m.safetensors")->metadata().empty());
  }

  void writerRejectsBadInput() {
    auto dir = qs::test::freshTempDir("safetensors_badwrite");
    QVERIFY_THROWS_EXCEPTION(qs::Error,
                             qs::writeSafetensors(dir / "c.safetensors", {{"c", at::ones({2}, at::kComplexFloat)}}));
    QVERIFY_THROWS_EXCEPTION(qs::Error,
                             qs::writeSafetensors(dir / "d.safetensors", {{"d", at::ones(1)}, {"d", at::ones(1)}}));
    try {
      qs::writeSafetensors(dir / "missing" / "x.safetensors", {{"x", at::ones({1})}});
      QFAIL("no error writing into a missing folder");
    } catch (const qs::Error& e) {
      QVERIFY(std::string(e.what()).find("x.safetensors") != std::string::npos);
    }
  }

  void misalignedTensorIsCopied() {
    auto dir = qs::test::freshTempDir("safetensors_misaligned");
    std::string header =
        R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})";
    header.append((8 - header.size() % 8) % 8, ' ');
    float value = 1.5f;
    std::string data(6, '\0');
    data[0] = 9;
    std::memcpy(&data[2], &value, 4);
    writeBytes(dir / "m.safetensors", lengthPrefix(header.size()) + header + data);
    auto file = qs::SafetensorsFile::open(dir / "m.safetensors");
    at::Tensor b = file->tensor("b");
    QCOMPARE(reinterpret_cast<uintptr_t>(b.data_ptr()) % 4, uintptr_t(0));
    QCOMPARE(b.item<float>(), 1.5f);
    QCOMPARE(file->tensor("a")[0].item<uint8_t>(), uint8_t(9));
  }

  void copyOnWrite() {
    auto dir = qs::test::freshTempDir("safetensors_cow");
    fs::copy_file(goldenLlama() / "logits.safetensors", dir / "l.safetensors");
    const std::string before = qs::test::readFile(dir / "l.safetensors");
    {
      auto file = qs::SafetensorsFile::open(dir / "l.safetensors");
      at::Tensor t = file->tensor("logits");
      t.mul_(0).add_(42);
      QCOMPARE(file->tensor("logits")[0][0][0].item<float>(), 42.0f);  // same private mapping
    }
    QCOMPARE(qs::test::readFile(dir / "l.safetensors"), before);
    auto reopened = qs::SafetensorsFile::open(dir / "l.safetensors")->tensor("logits");
    QVERIFY(at::equal(reopened, qs::SafetensorsFile::open(goldenLlama() / "logits.safetensors")->tensor("logits")));
  }

  void truncatedFiles() {
    auto dir = qs::test::freshTempDir("safetensors_truncated");
    const std::string golden = qs::test::readFile(goldenLlama() / "model.safetensors");
    uint64_t headerSize = 0;
    std::memcpy(&headerSize, golden.data(), 8);
    for (size_t cut : {size_t(0), size_t(4), size_t(8), size_t(8 + 100), size_t(8 + headerSize - 1),
                       size_t(8 + headerSize + 1000), golden.size() - 1}) {
      const std::string name = "cut_" + std::to_string(cut) + ".safetensors";
      writeBytes(dir / name, golden.substr(0, cut));
      QString failure = openFailure(dir / name, {name});
      QVERIFY2(failure.isEmpty(), qPrintable(QString::number(cut) + ": " + failure));
    }
    // The cut inside the data names the tensor that no longer fits (the last one in the file).
    writeBytes(dir / "tail.safetensors", golden.substr(0, golden.size() - 1));
    QString failure = openFailure(dir / "tail.safetensors", {"tail.safetensors", "model.norm.weight"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
  }

  void corruptHeaders() {
    auto dir = qs::test::freshTempDir("safetensors_corrupt");
    struct Case {
      std::string name, header;
      size_t data;
      std::vector<std::string> needles;
    };
    const std::string ok = R"("ok":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    const std::vector<Case> cases = {
        {"invalid_json", R"({"t":{"dtype":"F32",)", 8, {}},
        {"not_object", "[1,2,3]", 0, {}},
        {"metadata_not_strings", R"({"__metadata__":{"format":1},)" + ok + "}", 8, {"__metadata__"}},
        {"metadata_not_object", R"({"__metadata__":"pt",)" + ok + "}", 8, {"__metadata__"}},
        {"entry_not_object", R"({"t":[1]})", 0, {"'t'"}},
        {"unknown_dtype", R"({"weird":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})", 2, {"weird", "F8"}},
        {"missing_dtype", R"({"nodt":{"shape":[2],"data_offsets":[0,8]}})", 8, {"nodt"}},
        {"missing_shape", R"({"nosh":{"dtype":"F32","data_offsets":[0,8]}})", 8, {"nosh"}},
        {"missing_offsets", R"({"noof":{"dtype":"F32","shape":[2]}})", 8, {"noof"}},
        {"offsets_beyond", R"({"far":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 8, {"far"}},
        {"begin_after_end", R"({"rev":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", 8, {"rev"}},
        {"negative_offset", R"({"neg":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", 8, {"neg"}},
        {"overlap", R"({"one":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("two":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12, {"one", "two"}},
        {"size_mismatch", R"({"mis":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, {"mis"}},
        {"negative_shape", R"({"ns":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, {"ns"}},
        {"fractional_shape", R"({"fs":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8, {"fs"}},
        {"string_shape", R"({"ss":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", 8, {"ss"}},
        {"overflow_shape",
         R"({"big":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0, {"big"}},
        {"duplicate", "{" + ok + "," + ok + "}", 8, {"ok"}},
    };
    for (const auto& c : cases) {
      auto path = rawFile(dir, c.name + ".safetensors", c.header, c.data);
      auto needles = c.needles;
      needles.push_back(c.name + ".safetensors");
      QString failure = openFailure(path, needles);
      QVERIFY2(failure.isEmpty(), qPrintable(QString::fromStdString(c.name) + ": " + failure));
    }
    // Header length larger than the file, and an absurd one that would overflow 8 + N.
    for (uint64_t n : {uint64_t(1000), ~uint64_t(0)}) {
      const std::string name = "length_" + std::to_string(n) + ".safetensors";
      writeBytes(dir / name, lengthPrefix(n) + "{}      ");
      QString failure = openFailure(dir / name, {name});
      QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }
    // The valid control case opens.
    QVERIFY(qs::SafetensorsFile::open(rawFile(dir, "control.safetensors", "{" + ok + "}", 8))->find("ok"));
    QString missing = openFailure(dir / "absent.safetensors", {"absent.safetensors"});
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
  }

  void checkpointSingleFile() {
    auto ckpt = qs::Checkpoint::open(goldenLlama());
    QVERIFY(ckpt.contains("model.norm.weight"));
    QVERIFY(!ckpt.contains("model.norm.bias"));
    QCOMPARE(ckpt.names().size(), size_t(2 + 9 * 2 + 1));
    QCOMPARE(ckpt.dominantDtype(), std::string("F32"));
    QCOMPARE(ckpt.storedBytes(), uint64_t(139584) * 4);
    QCOMPARE(ckpt.fileOf("lm_head.weight"), goldenLlama() / "model.safetensors");
    QCOMPARE(ckpt.tensor("lm_head.weight").sizes().vec(), (std::vector<int64_t>{512, 64}));
    QVERIFY_THROWS_EXCEPTION(qs::Error, ckpt.tensor("nope"));
  }

  void checkpointSharded() {
    auto dir = makeSharded("ckpt_sharded");
    auto single = qs::Checkpoint::open(goldenLlama());
    auto sharded = qs::Checkpoint::open(dir);
    QCOMPARE(sharded.names(), single.names());
    QCOMPARE(sharded.storedBytes(), single.storedBytes());
    QCOMPARE(sharded.dominantDtype(), std::string("F32"));
    for (const auto& name : single.names()) QVERIFY2(bitEqual(sharded.tensor(name), single.tensor(name)), name.c_str());
    const auto names = single.names();
    QCOMPARE(sharded.fileOf(names[0]).filename().string(), std::string("model-00001-of-00002.safetensors"));
    QCOMPARE(sharded.fileOf(names[1]).filename().string(), std::string("model-00002-of-00002.safetensors"));
  }

  void checkpointIndexErrors() {
    auto dir = makeSharded("ckpt_missing_shard");
    fs::remove(dir / "model-00002-of-00002.safetensors");
    QString failure = checkpointFailure(dir, {"model.safetensors.index.json", "model-00002-of-00002.safetensors"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));

    dir = makeSharded("ckpt_absent_tensor", R"("ghost.weight": "model-00001-of-00002.safetensors")");
    failure = checkpointFailure(dir, {"model.safetensors.index.json", "ghost.weight", "model-00001-of-00002"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));

    dir = makeSharded("ckpt_bad_index");
    writeBytes(dir / "model.safetensors.index.json", "{\"weight_map\": {\"a\": ");
    failure = checkpointFailure(dir, {"model.safetensors.index.json"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));

    dir = makeSharded("ckpt_corrupt_shard");
    writeBytes(dir / "model-00001-of-00002.safetensors", "garbage");
    failure = checkpointFailure(dir, {"model.safetensors.index.json", "model-00001-of-00002.safetensors"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
  }

  void checkpointWithoutWeights() {
    auto dir = qs::test::freshTempDir("ckpt_empty");
    writeBytes(dir / "config.json", "{}");
    QString failure = checkpointFailure(dir, {dir.string(), "model.safetensors", "model.safetensors.index.json"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    writeBytes(dir / "pytorch_model.bin", "pickle");
    failure = checkpointFailure(dir, {dir.string(), "pytorch_model.bin", "not supported"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    failure = checkpointFailure(dir / "does_not_exist", {"does_not_exist"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
  }

 private:
  // The golden llama weights split alternately (by name order) over two shards plus an index;
  // `extraEntry` is appended to its weight_map.
  static fs::path makeSharded(const std::string& name, const std::string& extraEntry = "") {
    auto dir = qs::test::freshTempDir(name);
    auto file = qs::SafetensorsFile::open(goldenLlama() / "model.safetensors");
    std::vector<std::pair<std::string, at::Tensor>> shards[2];
    std::string map;
    for (size_t i = 0; i < file->entries().size(); ++i) {
      const auto& e = file->entries()[i];
      shards[i % 2].emplace_back(e.name, file->tensor(e.name));
      const std::string shard = "model-0000" + std::to_string(i % 2 + 1) + "-of-00002.safetensors";
      map += std::string(map.empty() ? "" : ",") + "\n    \"" + e.name + "\": \"" + shard + "\"";
    }
    if (!extraEntry.empty()) map += ",\n    " + extraEntry;
    qs::writeSafetensors(dir / "model-00001-of-00002.safetensors", shards[0], {{"format", "pt"}});
    qs::writeSafetensors(dir / "model-00002-of-00002.safetensors", shards[1], {{"format", "pt"}});
    writeBytes(dir / "model.safetensors.index.json",
               "{\"metadata\": {\"total_size\": 558336},\n  \"weight_map\": {" + map + "\n  }\n}\n");
    return dir;
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
