// Data readers: every format, compression, parallel label files, and errors naming file and line.
#include <QtTest/QtTest>

#include <bzlib.h>
#include <zlib.h>

#include <fstream>

#include "core/base/error.h"
#include "tasks/csv_reader.h"
#include "tasks/dataset_reader.h"
#include "tests/support/test_support.h"

namespace {

void write(const std::filesystem::path& p, const std::string& s) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

std::string errorOf(const qs::DataSpec& spec, const std::filesystem::path& dir) {
  try {
    qs::readDocuments(spec, dir);
  } catch (const qs::Error& e) {
    return e.what();
  }
  return "";
}

qs::DataSpec spec(const std::string& file, const std::string& format) {
  qs::DataSpec s;
  s.files = {file};
  s.format = format;
  return s;
}

}  // namespace

class TestDatasetReader : public QObject {
  Q_OBJECT
  std::filesystem::path dir_;

 private Q_SLOTS:
  void init() { dir_ = qs::test::freshTempDir("dataset_reader"); }

  void jsonlWithLineNumbers() {
    write(dir_ / "a.jsonl", "{\"x\": 1}\n\n{\"x\": 2}\r\n");
    auto docs = qs::readDocuments(spec("a.jsonl", "jsonl"), dir_);
    QCOMPARE(docs.size(), size_t(2));
    QCOMPARE(docs[1].line, 3);
    QCOMPARE(docs[1].fields["x"].get<int>(), 2);
    QCOMPARE(QString::fromStdString(docs[0].fields["_file"].get<std::string>()), QString("a"));
    write(dir_ / "b.jsonl", "{\"x\": 1}\n{\"x\": }\n");
    auto msg = errorOf(spec("b.jsonl", "jsonl"), dir_);
    QVERIFY2(msg.find("b.jsonl:2: malformed JSON line") != std::string::npos, msg.c_str());
    write(dir_ / "c.jsonl", "[1, 2]\n");
    QVERIFY(errorOf(spec("c.jsonl", "jsonl"), dir_).find("c.jsonl:1: expected a JSON object") != std::string::npos);
  }

  void csvQuotingAndRowErrors() {
    auto recs = qs::parseCsv("\xEF\xBB\xBFq,\"a, b\",\"say \"\"hi\"\"\"\n\"multi\nline\",x,y\n", "t.csv");
    QCOMPARE(recs.size(), size_t(2));
    QCOMPARE(QString::fromStdString(recs[0].fields[0]), QString("q"));
    QCOMPARE(QString::fromStdString(recs[0].fields[1]), QString("a, b"));
    QCOMPARE(QString::fromStdString(recs[0].fields[2]), QString("say \"hi\""));
    QCOMPARE(QString::fromStdString(recs[1].fields[0]), QString("multi\nline"));
    QCOMPARE(recs[1].line, 2);
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::parseCsv("a,\"open\n", "t.csv"));

    write(dir_ / "m.csv", "q1,a,b,A\n\"q2\nmore\",a,b,B\nq3,a,B\n");
    auto s = spec("m.csv", "csv");
    s.columns = {"question", "x", "y", "answer"};
    auto msg = errorOf(s, dir_);
    QVERIFY2(msg.find("m.csv:4: CSV row has 3 fields, expected 4") != std::string::npos, msg.c_str());
    write(dir_ / "h.csv", "Type,Question\nA,What?\n");
    auto hs = spec("h.csv", "csv");
    hs.header = true;
    auto docs = qs::readDocuments(hs, dir_);
    QCOMPARE(docs.size(), size_t(1));
    QCOMPARE(QString::fromStdString(docs[0].fields["Question"].get<std::string>()), QString("What?"));
  }

  void hellaswagLineGroupsFromBzip2() {
    std::string text = "Act: ctx one\n2\ne0\ne1\ne2\ne3\nAct: ctx two\n0\nf0\nf1\nf2\nf3\n";
    std::vector<char> out(text.size() * 2 + 600);
    unsigned len = static_cast<unsigned>(out.size());
    QCOMPARE(BZ2_bzBuffToBuffCompress(out.data(), &len, text.data(), static_cast<unsigned>(text.size()), 9, 0, 0), BZ_OK);
    write(dir_ / "hs.txt.bz2", std::string(out.data(), len));
    auto docs = qs::readDocuments(qs::DataSpec::fromJson({{"files", "hs.txt.bz2"}, {"format", "hellaswag"}}, "t"), dir_);
    QCOMPARE(docs.size(), size_t(2));
    QCOMPARE(QString::fromStdString(docs[1].fields["query"].get<std::string>()), QString("Act: ctx two"));
    QCOMPARE(docs[1].fields["endings"].size(), size_t(4));
    QCOMPARE(docs[1].line, 7);
    QCOMPARE(QString::fromStdString(docs[0].fields["_file"].get<std::string>()), QString("hs"));
    write(dir_ / "short.txt", "Act: ctx\n1\ne0\n");
    auto msg = errorOf(qs::DataSpec::fromJson({{"files", "short.txt"}, {"format", "hellaswag"}}, "t"), dir_);
    QVERIFY2(msg.find("short.txt:1: incomplete item") != std::string::npos, msg.c_str());
    write(dir_ / "bad.bz2", "not bzip2 at all");
    QVERIFY(errorOf(spec("bad.bz2", "jsonl"), dir_).find("corrupt bzip2") != std::string::npos);
  }

  void gzipAndGlobAndLabels() {
    std::string a = "{\"g\": 1}\n{\"g\": 2}\n";
    gzFile f = gzopen((dir_ / "p_one.jsonl.gz").c_str(), "wb");
    gzwrite(f, a.data(), static_cast<unsigned>(a.size()));
    gzclose(f);
    write(dir_ / "p_two.jsonl", "{\"g\": 3}\n");
    auto s = spec("p_*.jsonl*", "jsonl");
    s.labelsFile = "labels.lst";
    write(dir_ / "labels.lst", "0\n1\nB\n");
    auto docs = qs::readDocuments(s, dir_);
    QCOMPARE(docs.size(), size_t(3));
    QCOMPARE(docs[0].fields["label"].get<int>(), 0);
    QCOMPARE(QString::fromStdString(docs[2].fields["label"].get<std::string>()), QString("B"));
    QCOMPARE(QString::fromStdString(docs[2].fields["_file"].get<std::string>()), QString("p_two"));
    write(dir_ / "labels.lst", "0\n1\n");
    auto msg = errorOf(s, dir_);
    QVERIFY2(msg.find("labels.lst: 2 labels for 3 documents") != std::string::npos, msg.c_str());
  }

  void textSplitsAndJsonArrays() {
    write(dir_ / "t.txt", "one\r\n\r\ntwo a\r\ntwo b\r\n\r\n");
    auto s = spec("t.txt", "text");
    QCOMPARE(qs::readDocuments(s, dir_).size(), size_t(1));
    s.split = "lines";
    QCOMPARE(qs::readDocuments(s, dir_).size(), size_t(5));  // "one", "", "two a", "two b", ""
    s.split = "nonempty_lines";
    QCOMPARE(qs::readDocuments(s, dir_).size(), size_t(3));
    s.split = "blank_line";
    auto paras = qs::readDocuments(s, dir_);
    QCOMPARE(paras.size(), size_t(2));
    QCOMPARE(QString::fromStdString(paras[1].fields["text"].get<std::string>()), QString("two a\ntwo b"));
    write(dir_ / "arr.json", R"({"items": [{"q": 1}, {"q": 2}]})");
    auto j = spec("arr.json", "json");
    j.records = "items";
    QCOMPARE(qs::readDocuments(j, dir_).size(), size_t(2));
  }

  void missingFiles() {
    auto msg = errorOf(spec("nope.jsonl", "jsonl"), dir_);
    QVERIFY2(msg.find("data file not found") != std::string::npos && msg.find("nope.jsonl") != std::string::npos, msg.c_str());
    auto s = spec("nope.jsonl", "jsonl");
    s.optional = true;
    QVERIFY(qs::readDocuments(s, dir_).empty());
  }
};

QTEST_GUILESS_MAIN(TestDatasetReader)
#include "test_dataset_reader.moc"
