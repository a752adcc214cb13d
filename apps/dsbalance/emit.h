// dsbalance's two ways out: messages (errors, warnings, notes) to stderr behind the tool's name, and finished
// text (reports, weights, summaries) written as it is.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/tool.h"

namespace dsbalance {

inline void error(std::string_view msg) {
  dskit::app::print_error("dsbalance", msg);
}

inline void emit(const std::string& s, bool to_stderr = false) {
  std::fwrite(s.data(), 1, s.size(), to_stderr ? stderr : stdout);
}

}  // namespace dsbalance
