// Writing reports and mapping output failures to exit codes (see report.h).
#include "cli/report.h"

#include <unistd.h>

#include <cerrno>

namespace dskit::app {

int output_result(std::string_view tool, const std::optional<PathError>& err, int fail_code) {
  if (!err) return kExitOk;
  if (err->err == EPIPE && (err->path.empty() || err->path == "-")) return kExitOk;
  print_error(tool, describe_write_error(*err));
  return fail_code;
}

int write_report(std::string_view tool, const std::string& out, std::string_view text, int fail_code,
                 const WriteOptions& o) {
  return output_result(tool, write_file_atomic(out, text, o), fail_code);
}

void write_message(std::string_view text) {
  [[maybe_unused]] const int err = write_all(STDERR_FILENO, text);
}

}  // namespace dskit::app
