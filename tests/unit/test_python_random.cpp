// Python's random.Random(str): the expected numbers were printed by CPython 3 (random.Random(s)
// .getrandbits / .shuffle) and hashlib.sha512, so ETHICS utilitarianism orders its scenarios as
// lm-evaluation-harness does.
#include <QtTest/QtTest>

#include "tasks/python_random.h"

class TestPythonRandom : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void sha512OfAbc() {
    auto d = qs::sha512("abc");
    const uint8_t want[8] = {0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba};
    for (int i = 0; i < 8; ++i) QCOMPARE(d[i], want[i]);
    QCOMPARE(d[63], uint8_t(0x9f));  // FIPS 180-2 test vector ends ...a54ca49f
  }

  void getrandbitsMatchesCPython() {
    qs::PythonRandom abc("abc");
    QCOMPARE(abc.getrandbits(32), 3315820543u);
    QCOMPARE(abc.getrandbits(32), 4246262336u);
    QCOMPARE(abc.getrandbits(32), 2397318194u);
    qs::PythonRandom small("abc");
    QCOMPARE(small.getrandbits(7), 98u);
    QCOMPARE(small.getrandbits(7), 126u);
    qs::PythonRandom longSeed(std::string(200, 'x'));  // a key of many 32-bit words
    QCOMPARE(longSeed.getrandbits(32), 3650749297u);
    QCOMPARE(longSeed.getrandbits(32), 2945716951u);
    QCOMPARE(qs::PythonRandom("").getrandbits(32), 4124137760u);
    QCOMPARE(qs::PythonRandom("I went to the store.").getrandbits(32), 3079098271u);
  }

  void shuffleMatchesCPython() {
    std::vector<int> x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    qs::PythonRandom("abc").shuffle(x);
    QCOMPARE(x, (std::vector<int>{4, 3, 0, 9, 1, 2, 6, 5, 7, 8}));
    std::vector<int> pair{0, 1};
    qs::PythonRandom("I baked a cake for my friends and they loved it.").shuffle(pair);
    QCOMPARE(pair, (std::vector<int>{1, 0}));
    pair = {0, 1};
    qs::PythonRandom("My flight was on time and I got a window seat.").shuffle(pair);
    QCOMPARE(pair, (std::vector<int>{0, 1}));
  }
};

QTEST_GUILESS_MAIN(TestPythonRandom)
#include "test_python_random.moc"
