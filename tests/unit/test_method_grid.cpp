// The method as a sweep dimension: which (configuration, method) pairs a grid keeps, and why it
// leaves the others out.
#include <QtTest/QtTest>

#include "core/base/error.h"
#include "quant/method_grid.h"

class TestMethodGrid : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void crossesEveryConfigurationWithEveryMethodItCanServe() {
    const auto grid = qs::crossWithMethods({"FP16", "W4", "W8A8", "KV4"}, {"rtn", "awq", "gptq", "smoothquant"});
    const std::vector<std::string> expected{"FP16",
                                            "W4A16KV16-g128",
                                            "W4A16KV16-g128-awq",
                                            "W4A16KV16-g128-gptq",
                                            "W8A8KV16-g128",
                                            "W8A8KV16-g128-awq",
                                            "W8A8KV16-g128-gptq",
                                            "W8A8KV16-g128-smoothquant",
                                            "W16A16KV4-g128"};
    QCOMPARE(grid.configs, expected);
    // W4 keeps A at 16 bits: no SmoothQuant; KV4 keeps W and A at 16: none of the three.
    QCOMPARE(static_cast<int>(grid.skipped.size()), 4);
    QVERIFY(grid.skipped[0].rfind("W4A16KV16-g128 with smoothquant: ", 0) == 0);
    QVERIFY(grid.skipped[1].rfind("W16A16KV4-g128 with awq: ", 0) == 0);
  }

  // quarot rotates weights and activations: any W or A configuration, never a KV-only one.
  void quarotServesWeightsOrActivations() {
    const auto grid = qs::crossWithMethods({"W4", "W4A4", "KV4"}, {"rtn", "quarot"});
    const std::vector<std::string> expected{"W4A16KV16-g128", "W4A16KV16-g128-quarot", "W4A4KV16-g128",
                                            "W4A4KV16-g128-quarot", "W16A16KV4-g128"};
    QCOMPARE(grid.configs, expected);
    QCOMPARE(static_cast<int>(grid.skipped.size()), 1);
    QVERIFY(grid.skipped[0].rfind("W16A16KV4-g128 with quarot: ", 0) == 0);
  }

  void namesWithAMethodStayAsTheyAre() {
    const auto grid = qs::crossWithMethods({"W3-g128-gptq", "W3"}, {"rtn", "awq"});
    const std::vector<std::string> expected{"W3A16KV16-g128-gptq", "W3A16KV16-g128", "W3A16KV16-g128-awq"};
    QCOMPARE(grid.configs, expected);
    QVERIFY(grid.skipped.empty());
  }

  void unknownMethodIsAnError() {
    try {
      qs::crossWithMethods({"W4"}, {"rtn", "hqq"});
      QFAIL("no error for an unknown method");
    } catch (const qs::Error& e) {
      QVERIFY(std::string(e.what()).find("'hqq'") != std::string::npos);
    }
  }
};

QTEST_GUILESS_MAIN(TestMethodGrid)
#include "test_method_grid.moc"
