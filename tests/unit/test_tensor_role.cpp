#include <QtTest/QtTest>

#include "core/model/tensor_role.h"

class TestTensorRole : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void namesRoundTrip() {
    for (int i = 0; i <= static_cast<int>(qs::TensorRole::SsmD); ++i) {
      auto role = static_cast<qs::TensorRole>(i);
      QCOMPARE(qs::roleInfo(role).role, role);  // every enumerator has its row in the table
      auto back = qs::roleFromName(qs::roleName(role));
      QVERIFY(back.has_value());
      QCOMPARE(static_cast<int>(*back), i);
    }
    QVERIFY(!qs::roleFromName("nonsense").has_value());
  }
  void linearRoles() {
    QVERIFY(qs::isLinearRole(qs::TensorRole::DownProj));
    QVERIFY(qs::isLinearRole(qs::TensorRole::Router));
    QVERIFY(!qs::isLinearRole(qs::TensorRole::AttnNorm));
    QVERIFY(!qs::isLinearRole(qs::TensorRole::TokenEmbedding));
  }
  // Routers, the output head, OPT-350m's projections, norms and embeddings are not quantized
  // unless a rule asks; every projection inside a layer is.
  void quantizedByDefault() {
    for (auto r : {qs::TensorRole::QProj, qs::TensorRole::KProj, qs::TensorRole::VProj, qs::TensorRole::OutProj,
                   qs::TensorRole::GateProj, qs::TensorRole::UpProj, qs::TensorRole::DownProj, qs::TensorRole::Fc1,
                   qs::TensorRole::Fc2, qs::TensorRole::QkvProj, qs::TensorRole::GateUpProj})
      QVERIFY2(qs::isQuantizedByDefault(r), qs::roleName(r).data());
    for (auto r : {qs::TensorRole::Router, qs::TensorRole::LmHead, qs::TensorRole::ProjectIn, qs::TensorRole::ProjectOut,
                   qs::TensorRole::AttnNorm, qs::TensorRole::TokenEmbedding})
      QVERIFY2(!qs::isQuantizedByDefault(r), qs::roleName(r).data());
  }
  void fusedRolesCoverTheirParts() {
    auto qkv = qs::roleInfo(qs::TensorRole::QkvProj).covers;
    QCOMPARE(qkv.size(), size_t{3});
    QCOMPARE(qkv[1], qs::TensorRole::KProj);
    auto gateUp = qs::roleInfo(qs::TensorRole::GateUpProj).covers;
    QCOMPARE(gateUp.size(), size_t{2});
    QCOMPARE(gateUp[0], qs::TensorRole::GateProj);
    QVERIFY(qs::roleInfo(qs::TensorRole::QProj).covers.empty());
  }
};

QTEST_GUILESS_MAIN(TestTensorRole)
#include "test_tensor_role.moc"
