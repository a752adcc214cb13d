// dsbalance's two ways out: messages (errors, warnings, notes) to stderr behind the tool's name, and finished
// text (reports, weights, summaries) through cli/report.h, so a lost report is never a silent success.
#pragma once

#include <string>
#include <string_view>

#include "cli/report.h"
#include "cli/tool.h"

namespace dsbalance {

// An output that cannot be written: 3, as in every tool (dskit(7); dsbalance used 2 before 0.2.0).
inline constexpr int kExitOutputFailed = dskit::app::kExitOutput;

inline void error(std::string_view msg) {
  dskit::app::print_error("dsbalance", msg);
}

// A usage error (a flag's value, flags that contradict each other, a flag the input cannot serve):
// "dsbalance: MSG (see dsbalance --help)"; returns kExitUsage.
inline int usage(std::string_view msg) {
  return dskit::app::usage_error("dsbalance", msg);
}

// Writes finished text to OUT (-o FILE: replaced atomically, a FIFO or device written in place; "" or "-":
// standard output): kExitOk (also when the reader of standard output went away), or kExitOutputFailed after
// "dsbalance: PATH: CAUSE".
[[nodiscard]] inline int emit(std::string_view s, const std::string& out = "-") {
  return dskit::app::write_report("dsbalance", out.empty() ? "-" : out, s, kExitOutputFailed);
}

// A summary for the person while the data itself goes to standard output.
inline void emit_to_stderr(std::string_view s) {
  dskit::app::write_message(s);
}

}  // namespace dsbalance
