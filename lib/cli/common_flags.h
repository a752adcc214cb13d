// The flags every tool spells and explains the same way (man/dskit.7, "Conventions"): -j/--threads for the
// CPU and I/O workers, -o/--output for the file a tool writes instead of standard output. Header-only, as
// CLI11 is.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace dskit::app {

// "-j,--threads": "Worker threads (default: DEFAULT_IS)", then ": WHAT" when the workers are of one kind.
template <class T>
CLI::Option* add_threads_flag(CLI::App* app, T& threads, const std::string& default_is,
                              const std::string& what = "") {
  return app->add_option("-j,--threads", threads,
                         "Worker threads (default: " + default_is + ")" + (what.empty() ? "" : ": " + what));
}

// "-o,--output": the file written instead of standard output (base/fileio's rules: a regular file replaced
// atomically, a FIFO or device written in place).
inline CLI::Option* add_output_flag(
    CLI::App* app, std::string& out,
    const std::string& help = "Write here (atomically) instead of standard output") {
  return app->add_option("-o,--output", out, help);
}

}  // namespace dskit::app
