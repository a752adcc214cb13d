#include "cli/tool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
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

bool stderr_is_terminal() {
  return ::isatty(2) == 1;
}

unsigned stdout_columns() {
  struct winsize ws {};
  if (::isatty(1) != 1 || ::ioctl(1, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

}  // namespace dskit::app
