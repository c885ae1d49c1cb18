#include <QtTest/QtTest>

#include "core/base/error.h"
#include "core/checkpoint/model_fingerprint.h"
#include "core/base/sha256.h"

class TestModelFingerprint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // FIPS 180-4 example vectors.
  void sha256KnownAnswers() {
    QCOMPARE(qs::sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QCOMPARE(qs::sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(qs::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
             std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    qs::Sha256 chunked;  // a million 'a's fed in uneven pieces
    std::string piece(999, 'a');
    size_t fed = 0;
    while (fed + piece.size() <= 1000000) chunked.update(piece), fed += piece.size();
    chunked.update(std::string(1000000 - fed, 'a'));
    QCOMPARE(chunked.hexDigest(), std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
  }

  void fingerprintIgnoresFormattingAndOrder() {
    std::vector<qs::WeightSignature> weights = {{"model.embed_tokens.weight", "F16", {32000, 64}},
                                                {"lm_head.weight", "F16", {32000, 64}}};
    auto reordered = weights;
    std::swap(reordered[0], reordered[1]);
    std::string fp = qs::modelFingerprint(R"({"hidden_size": 64, "model_type": "llama"})", weights);
    QCOMPARE(fp.size(), size_t(64));
    QCOMPARE(qs::modelFingerprint("{\n  \"model_type\":\"llama\",\n  \"hidden_size\":64\n}\n", reordered), fp);

    auto otherShape = weights;
    otherShape[1].shape = {32001, 64};
    QVERIFY(qs::modelFingerprint(R"({"hidden_size": 64, "model_type": "llama"})", otherShape) != fp);
    auto otherDtype = weights;
    otherDtype[0].dtype = "BF16";
    QVERIFY(qs::modelFingerprint(R"({"hidden_size": 64, "model_type": "llama"})", otherDtype) != fp);
    QVERIFY(qs::modelFingerprint(R"({"hidden_size": 65, "model_type": "llama"})", weights) != fp);
  }

  void invalidConfigIsAnError() {
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::modelFingerprint("{not json", std::vector<qs::WeightSignature>{}));
  }
};

QTEST_GUILESS_MAIN(TestModelFingerprint)
#include "test_model_fingerprint.moc"
