// The configuration that quantizes one linear alone, for sensitivity scans.
#include <QtTest/QtTest>

#include "core/base/error.h"
#include "quant/single_tensor_config.h"

using qs::TensorRole;

class TestSingleTensorConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void selectsOnlyThatLinear() {
    const auto c = qs::singleTensorConfig(qs::QuantConfig::parse("W3A8"), 5, TensorRole::QProj);
    QCOMPARE(c.name(), std::string("W3A8KV16-g128-excl.all-incl.q_proj.L5"));
    QVERIFY(qs::QuantConfig::parse(c.name()) == c);
    QVERIFY(c.selectsLinear(5, TensorRole::QProj));
    QVERIFY(c.weightSpecFor(5, TensorRole::QProj).has_value());
    QCOMPARE(c.weightSpecFor(5, TensorRole::QProj)->bits, 3);
    QVERIFY(!c.selectsLinear(4, TensorRole::QProj));
    QVERIFY(!c.selectsLinear(5, TensorRole::KProj));
    QVERIFY(!c.selectsLinear(5, TensorRole::DownProj));
    QVERIFY(!c.weightSpecFor(6, TensorRole::QProj));
    QVERIFY(!c.selectsLinear(-1, TensorRole::LmHead));
  }

  void refusesBasesThatAreNotOneLinear() {
    for (const char* name : {"KV4", "W4A16KV4-g128", "W3-g128-gptq", "W3-g128-awq", "W3-excl.down_proj", "FP16"}) {
      try {
        qs::singleTensorConfig(qs::QuantConfig::parse(name), 0, TensorRole::QProj);
        QFAIL(qPrintable(QString("accepted ") + name));
      } catch (const qs::Error& e) {
        // The message quotes the configuration it refuses.
        const std::string canonical = qs::QuantConfig::parse(name).name();
        QVERIFY2(std::string(e.what()).find(canonical) != std::string::npos, e.what());
      }
    }
  }
};

QTEST_GUILESS_MAIN(TestSingleTensorConfig)
#include "test_single_tensor_config.moc"
