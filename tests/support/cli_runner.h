#pragma once
// Runs the built quantscope-cli with arguments and collects its exit code and output.
#include <QProcess>
#include <QString>
#include <QStringList>

#include "tests/support/test_support.h"

namespace qs::test {

struct CliResult {
  int code = -1;
  QString out;
  QString err;
};

inline CliResult runCli(const QStringList& args, int timeoutMs = 300000) {
  QProcess p;
  p.start(QString::fromStdString((binaryDir() / "app" / "quantscope-cli").string()), args);
  p.waitForFinished(timeoutMs);
  return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace qs::test
