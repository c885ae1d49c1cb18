#include <QtTest/QtTest>

#include <QSpinBox>
#include <QStandardItemModel>
#include <fstream>

#include "tests/support/test_support.h"
#include "ui/task_catalog.h"
#include "ui/task_panel.h"

namespace {

void write(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// A tasks directory in the tasks layer's format: an abstract base that others include, kinds
// given directly or inherited, and one broken file.
std::filesystem::path makeTasksDir() {
  auto dir = qs::test::freshTempDir("gui_task_panel");
  write(dir / "arc" / "arc_base.json", R"({"abstract": true, "kind": "basic", "version": 1, "output_type": "multiple_choice"})");
  write(dir / "arc" / "arc_easy.json", R"({"include": "arc_base.json", "name": "arc_easy"})");
  write(dir / "arc" / "arc_challenge.json", R"({"include": "arc_base.json", "name": "arc_challenge", "version": 2})");
  write(dir / "wikitext" / "wikitext.json", R"({"name": "wikitext", "kind": "basic", "output_type": "rolling_loglikelihood"})");
  write(dir / "gsm8k" / "gsm8k.json", R"({"name": "gsm8k", "kind": "emergent"})");
  write(dir / "longeval" / "longeval_lines.json", R"({"name": "longeval_lines", "kind": "long_context"})");
  write(dir / "broken" / "broken.json", R"({"name": "broken", )");
  return dir;
}

}  // namespace

class TestTaskPanel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void catalogFollowsIncludesAndSkipsAbstract() {
    const auto dir = makeTasksDir();
    const qs::TaskCatalog c = qs::scanTasks(dir);
    QCOMPARE(int(c.tasks.size()), 5);
    QCOMPARE(int(c.problems.size()), 1);
    QVERIFY(c.problems[0].find("broken.json") != std::string::npos);
    // Sorted by kind then name; arc_* inherit kind "basic" from the base file.
    QCOMPARE(QString::fromStdString(c.tasks[0].name), QString("arc_challenge"));
    QCOMPARE(QString::fromStdString(c.tasks[0].kind), QString("basic"));
    QCOMPARE(QString::fromStdString(c.tasks[0].version), QString("2"));
    QCOMPARE(QString::fromStdString(c.tasks[1].version), QString("1"));
    QCOMPARE(QString::fromStdString(c.tasks[4].kind), QString("long_context"));
  }

  void missingDirectoryIsReportedNotThrown() {
    const qs::TaskCatalog c = qs::scanTasks("/nonexistent/tasks");
    QVERIFY(c.tasks.empty());
    QCOMPARE(int(c.problems.size()), 1);
  }

  void panelGroupsByKind() {
    qs::TaskPanel panel;
    panel.setTasksDir(QString::fromStdString(makeTasksDir().string()));
    QStandardItemModel* m = panel.model();
    QCOMPARE(m->rowCount(), 3);  // basic, emergent, long_context
    QCOMPARE(m->item(0)->text(), QString("basic"));
    QCOMPARE(m->item(0)->rowCount(), 3);
    QVERIFY(panel.selectedTasks().isEmpty());
  }

  void checkingAKindChecksItsTasks() {
    qs::TaskPanel panel;
    panel.setTasksDir(QString::fromStdString(makeTasksDir().string()));
    QSignalSpy changed(&panel, &qs::TaskPanel::selectionChanged);
    panel.model()->item(0)->setCheckState(Qt::Checked);
    QCOMPARE(panel.selectedTasks(), QStringList({"arc_challenge", "arc_easy", "wikitext"}));
    QCOMPARE(changed.count(), 1);
    // Unchecking one task makes its kind partial.
    QVERIFY(panel.setTaskChecked("wikitext", false));
    QCOMPARE(panel.model()->item(0)->checkState(), Qt::PartiallyChecked);
    QVERIFY(!panel.setTaskChecked("nonexistent", true));
    QVERIFY(panel.setTaskChecked("gsm8k", true));
    QCOMPARE(panel.model()->item(1)->checkState(), Qt::Checked);
    QCOMPARE(panel.selectedTasks(), QStringList({"arc_challenge", "arc_easy", "gsm8k"}));
  }

  void rescanKeepsTheSelection() {
    const auto dir = makeTasksDir();
    qs::TaskPanel panel;
    panel.setTasksDir(QString::fromStdString(dir.string()));
    panel.setTaskChecked("gsm8k", true);
    write(dir / "new" / "piqa.json", R"({"name": "piqa", "kind": "basic"})");
    panel.setTasksDir(QString::fromStdString(dir.string()));
    QCOMPARE(panel.selectedTasks(), QStringList({"gsm8k"}));
    QCOMPARE(panel.model()->item(0)->rowCount(), 4);
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
