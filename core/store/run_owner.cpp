#include "core/store/run_owner.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#if defined(__unix__) || defined(__APPLE__)
#include <signal.h>
#include <unistd.h>
#define QS_HAVE_POSIX_PROCESSES 1
#endif

namespace qs {
namespace {

std::string hostName() {
#ifdef QS_HAVE_POSIX_PROCESSES
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) return name;
#endif
  return "unknown-host";
}

// Field 22 of /proc/<pid>/stat (starttime); "" where there is no /proc. The command name in field 2
// may hold spaces and parentheses, so counting starts after its last ')'.
std::string processStart(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return "";
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i)
    if (i == 22) return field;
  return "";
}

}  // namespace

std::string currentRunOwner() {
#ifdef QS_HAVE_POSIX_PROCESSES
  const long pid = static_cast<long>(getpid());
  const std::string start = processStart(pid);
  return hostName() + " " + std::to_string(pid) + " " + (start.empty() ? "-" : start);
#else
  return "";
#endif
}

bool runOwnerAlive(const std::string& owner) {
#ifdef QS_HAVE_POSIX_PROCESSES
  std::istringstream in(owner);
  std::string host, start;
  long pid = 0;
  if (!(in >> host >> pid >> start) || pid <= 0 || host != hostName()) return false;
  // EPERM: the process exists but belongs to another user.
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  return start == "-" || processStart(pid) == start;
#else
  return false;
#endif
}

}  // namespace qs
