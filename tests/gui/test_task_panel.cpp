#include <QtTest/QtTest>

#include <QSpinBox>
#include <QStandardItemModel>
#include <fstream>

#include "tasks/evaluator.h"
#include "tests/support/test_support.h"
#include "ui/task_catalog.h"
#include "ui/task_panel.h"

namespace {

namespace fs = std::filesystem;

fs::path bundledTasks() { return qs::test::sourceDir() / "resources" / "tasks"; }

// A copy of three task families of the bundled tasks, plus a broken file.
fs::path makeTasksDir() {
  auto dir = qs::test::freshTempDir("gui_task_panel");
  for (const char* family : {"arc", "wikitext", "gsm8k"})
    fs::copy(bundledTasks() / family, dir / family, fs::copy_options::recursive);
  fs::create_directories(dir / "broken");
  std::ofstream(dir / "broken" / "broken.json") << R"({"name": "broken", )";
  return dir;
}

int rowOf(QStandardItemModel* m, const QString& kind) {
  for (int r = 0; r < m->rowCount(); ++r)
    if (m->item(r)->text() == kind) return r;
  return -1;
}

}  // namespace

class TestTaskPanel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void catalogIsTheTasksLayersListing() {
    if (!fs::is_directory(bundledTasks())) QSKIP("resources/tasks not found");
    const qs::TaskCatalog c = qs::scanTasks(bundledTasks());
    QVERIFY(c.problems.empty());
    size_t listed = 0;
    for (const auto& info : qs::listTasks(bundledTasks())) listed += info.error.empty();
    QCOMPARE(c.tasks.size(), listed);
    bool arcEasy = false;
    for (const auto& t : c.tasks) {
      QVERIFY2(t.file.filename() != "base.json", t.file.c_str());  // abstract bases are not tasks
      if (t.name == "arc_easy") {
        arcEasy = true;
        QCOMPARE(QString::fromStdString(t.kind), QString("basic"));  // inherited from arc/base.json
        QCOMPARE(QString::fromStdString(t.version), QString("1"));
      }
    }
    QVERIFY(arcEasy);
    // Sorted by kind, then name.
    for (size_t i = 1; i < c.tasks.size(); ++i)
      QVERIFY(std::tie(c.tasks[i - 1].kind, c.tasks[i - 1].name) <= std::tie(c.tasks[i].kind, c.tasks[i].name));
  }

  void missingDirectoryIsReportedNotThrown() {
    const qs::TaskCatalog c = qs::scanTasks("/nonexistent/tasks");
    QVERIFY(c.tasks.empty());
    QCOMPARE(int(c.problems.size()), 1);
  }

  void panelGroupsByKindAndReportsBrokenFiles() {
    if (!fs::is_directory(bundledTasks())) QSKIP("resources/tasks not found");
    qs::TaskPanel panel;
    panel.setTasksDir(QString::fromStdString(makeTasksDir().string()));
    QCOMPARE(int(panel.catalog().problems.size()), 1);
    QVERIFY(panel.catalog().problems[0].find("broken.json") != std::string::npos);
    QStandardItemModel* m = panel.model();
    const int basic = rowOf(m, "basic");
    QVERIFY(basic >= 0);
    QCOMPARE(m->item(basic)->rowCount(), 4);  // arc_challenge, arc_easy, two wikitext2 tasks
    QVERIFY(panel.selectedTasks().isEmpty());
  }

  void checkingAKindChecksItsTasks() {
    if (!fs::is_directory(bundledTasks())) QSKIP("resources/tasks not found");
    qs::TaskPanel panel;
    panel.setTasksDir(QString::fromStdString(makeTasksDir().string()));
    QSignalSpy changed(&panel, &qs::TaskPanel::selectionChanged);
    const int basic = rowOf(panel.model(), "basic");
    panel.model()->item(basic)->setCheckState(Qt::Checked);
    QCOMPARE(panel.selectedTasks(),
             QStringList({"arc_challenge", "arc_easy", "wikitext2_concatenated", "wikitext2_document"}));
    QCOMPARE(changed.count(), 1);
    // Unchecking one task makes its kind partial.
    QVERIFY(panel.setTaskChecked("wikitext2_document", false));
    QCOMPARE(panel.model()->item(basic)->checkState(), Qt::PartiallyChecked);
    QVERIFY(!panel.setTaskChecked("nonexistent", true));
    panel.model()->item(basic)->setCheckState(Qt::Unchecked);
    QVERIFY(panel.selectedTasks().isEmpty());
  }

  void rescanKeepsTheSelection() {
    if (!fs::is_directory(bundledTasks())) QSKIP("resources/tasks not found");
    const auto dir = makeTasksDir();
    qs::TaskPanel panel;
    panel.setTasksDir(QString::fromStdString(dir.string()));
    QVERIFY(panel.setTaskChecked("arc_easy", true));
    fs::copy(bundledTasks() / "piqa", dir / "piqa", fs::copy_options::recursive);
    panel.setTasksDir(QString::fromStdString(dir.string()));
    QCOMPARE(panel.selectedTasks(), QStringList({"arc_easy"}));
    QCOMPARE(panel.model()->item(rowOf(panel.model(), "basic"))->rowCount(), 5);
  }

  void limitSpinBox() {
    qs::TaskPanel panel;
    QCOMPARE(panel.limit(), qint64(0));
    QSignalSpy changed(&panel, &qs::TaskPanel::selectionChanged);
    panel.limitBox()->setValue(100);
    QCOMPARE(panel.limit(), qint64(100));
    QCOMPARE(changed.count(), 1);
  }
};

QTEST_MAIN(TestTaskPanel)
#include "test_task_panel.moc"
