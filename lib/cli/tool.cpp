#include "cli/tool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>

namespace dskit::app {

void init_process() {
  ::signal(SIGPIPE, SIG_IGN);
  // A closed standard descriptor gets a read-only /dev/null: a file the tool opens later never takes its
  // number, and a report written to a closed stdout fails (EBADF) instead of landing in that file.
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      const int nul = ::open("/dev/null", O_RDONLY);  // the lowest free number: `fd`, as the lower are open
      if (nul > 2) ::close(nul);
    }
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

void print_error(std::string_view tool, std::string_view message) {
  std::string line;
  line.reserve(tool.size() + message.size() + 3);
  line.append(tool).append(": ").append(message).push_back('\n');
  [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
}

int run_tool(std::string_view tool, int argc, char** argv, int (*fn)(int, char**)) {
  try {
    return fn(argc, argv);
  } catch (const std::bad_alloc&) {
    print_error(tool, "out of memory");
  } catch (const std::exception& e) {
    print_error(tool, e.what());
  } catch (...) {
    print_error(tool, "unknown error");
  }
  return kExitUsage;
}

namespace {

// CLI11's formatter with placeholders that say what a value is rather than its C++ type.
class TidyFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
    std::string out;
    if (opt->get_type_size() != 0) {
      if (!opt->get_positional() && !opt->get_type_name().empty()) out += " " + placeholder(*opt);
      if (opt->get_expected_max() == CLI::detail::expected_max_vector_size)
        out += " ...";
      else if (opt->get_expected_min() > 1)
        out += " x " + std::to_string(opt->get_expected());
      if (opt->get_required()) out += " REQUIRED";
    }
    return out;
  }

  // "--fsync,--no-fsync" rather than CLI11's "--fsync,--no-fsync{false}".
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    std::string name = CLI::Formatter::make_option_name(opt, is_positional);
    for (const std::string_view noise : {"{false}", "{true}"})
      for (auto at = name.find(noise); at != std::string::npos; at = name.find(noise))
        name.erase(at, noise.size());
    return name;
  }

 private:
  static std::string placeholder(const CLI::Option& opt) {
    const std::string type = opt.get_type_name();
    const std::string base = type.substr(0, type.find(':'));
    if (base == "INT" || base == "UINT" || base == "FLOAT" || base == "NUMBER") return "N";
    std::string name = opt.get_lnames().empty() ? opt.get_single_name() : opt.get_lnames().front();
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name.empty() ? "VALUE" : name;
  }
};

void tidy_recursive(CLI::App& app, const std::shared_ptr<CLI::FormatterBase>& f) {
  app.formatter(f);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) tidy_recursive(*sub, f);
}

}  // namespace

void tidy_help(CLI::App& app) {
  tidy_recursive(app, std::make_shared<TidyFormatter>());
}

int usage_error(std::string_view tool, const CLI::App& app, const CLI::ParseError& e) {
  std::string message = e.what();
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  std::string help(tool);
  for (const CLI::App* sub = &app;;) {
    const auto parsed = sub->get_subcommands();
    if (parsed.empty()) break;
    sub = parsed.front();
    help.append(" ").append(sub->get_name());
  }
  print_error(tool, message + " (see " + help + " --help)");
  return kExitUsage;
}

int usage_error(std::string_view tool, std::string_view message) {
  return usage_error(tool, {}, message);
}

int usage_error(std::string_view tool, std::string_view subcommand, std::string_view message) {
  std::string line(message);
  line.append(" (see ").append(tool);
  if (!subcommand.empty()) line.append(" ").append(subcommand);
  line.append(" --help)");
  print_error(tool, line);
  return kExitUsage;
}

std::string describe_input(const PathError& e) {
  if (e.err == ENOENT) return e.path + ": " + std::strerror(ENOENT);
  return describe(e);
}

bool stderr_is_terminal() {
  return ::isatty(2) == 1;
}

unsigned stdout_columns() {
  struct winsize ws {};
  if (::isatty(1) != 1 || ::ioctl(1, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

}  // namespace dskit::app
