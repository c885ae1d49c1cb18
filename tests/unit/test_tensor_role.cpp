#include <QtTest/QtTest>

#include "core/model/tensor_role.h"

class TestTensorRole : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void namesRoundTrip() {
    for (int i = 0; i <= static_cast<int>(qs::TensorRole::LmHead); ++i) {
      auto role = static_cast<qs::TensorRole>(i);
      auto back = qs::roleFromName(qs::roleName(role));
      QVERIFY(back.has_value());
      QCOMPARE(static_cast<int>(*back), i);
    }
    QVERIFY(!qs::roleFromName("nonsense").has_value());
  }
  void linearRoles() {
    QVERIFY(qs::isLinearRole(qs::TensorRole::DownProj));
    QVERIFY(!qs::isLinearRole(qs::TensorRole::AttnNorm));
  }
};

QTEST_GUILESS_MAIN(TestTensorRole)
#include "test_tensor_role.moc"
