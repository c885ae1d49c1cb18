#pragma once
// quantscope-cli subcommands. Each command lives in its own cmd_<name>.cpp and registers itself
// with a static CommandRegistrar, so adding one touches no other file.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs::cli {

// Exit codes shared by every command.
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,     // the operation failed (message printed)
  kUsage = 2,       // bad command line
  kBadInput = 3,    // a file given on the command line is missing or invalid
  kCancelled = 130,
};

// Parsed "--key value", "--flag" and positional arguments. Every option must be declared by the
// command; an unknown option is a usage error naming it.
class Args {
 public:
  // valueOptions take a value ("--ctx 2048" or "--ctx=2048"); flagOptions do not.
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& valueOptions,
       const std::vector<std::string>& flagOptions);
  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;
  std::string value(const std::string& name, const std::string& fallback) const;
  // Throws UsageError naming the option when the value is not an integer / number.
  long long integer(const std::string& name, long long fallback) const;
  double number(const std::string& name, double fallback) const;
  bool helpRequested() const { return help_; }

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> flags_;
  bool help_ = false;
};

// "a,b,,c" -> {"a", "b", "c"}: the comma-separated lists of options (--tasks, --configs, ...);
// empty items are dropped.
std::vector<std::string> splitList(const std::string& text);

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  std::string name;
  std::string summary;  // one line for the overview
  std::string help;     // full --help text: usage line, options, examples
  std::function<int(const std::vector<std::string>& args)> run;
};

const std::map<std::string, Command>& commands();

struct CommandRegistrar {
  explicit CommandRegistrar(Command command);
};

}  // namespace qs::cli
