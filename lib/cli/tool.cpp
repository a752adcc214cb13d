#include "cli/tool.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>

namespace dskit::app {

void init_process() {
  ::signal(SIGPIPE, SIG_IGN);
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

bool stderr_is_terminal() {
  return ::isatty(2) == 1;
}

unsigned stdout_columns() {
  struct winsize ws {};
  if (::isatty(1) != 1 || ::ioctl(1, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

}  // namespace dskit::app
