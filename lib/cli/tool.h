// Process-wide set-up and conventions shared by the dskit binaries.
#pragma once

#include <string_view>

namespace dskit::app {

// Exit codes shared by every tool (each man page lists the ones its tool uses).
inline constexpr int kExitOk = 0;
inline constexpr int kExitPartial = 1;  // some inputs could not be read / mismatches found
inline constexpr int kExitUsage = 2;    // bad command line, or an input that does not exist
inline constexpr int kExitOutput = 3;   // the output could not be written (disk full, ...)

// Ignores SIGPIPE (a closed pipe then shows up as EPIPE, handled as a quiet exit) and raises the
// open-file limit to its hard maximum for walkers that keep many directories open.
void init_process();

// "TOOL: message" on stderr, as one write.
void print_error(std::string_view tool, std::string_view message);

// Runs a tool's real main, fn(argc, argv), with a last-resort handler: an exception that escapes it ends
// the tool with "TOOL: out of memory" (std::bad_alloc) or "TOOL: CAUSE" (any other std::exception, or
// "unknown error") on stderr and exit kExitUsage (2), instead of std::terminate's SIGABRT. Every app's
// main() is `return run_tool("TOOL", argc, argv, run);`.
int run_tool(std::string_view tool, int argc, char** argv, int (*fn)(int, char**));

bool stderr_is_terminal();

// The width of the terminal in columns when standard output is one, else 0.
unsigned stdout_columns();

}  // namespace dskit::app
