// Process-wide set-up and conventions shared by the dskit binaries.
#pragma once

#include <string>
#include <string_view>

#include "dskit/base/error.h"

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace dskit::app {

// Exit codes shared by every tool: the table of dskit(7) (each man page lists the ones its tool uses).
// 130 and 143 (SIGINT, SIGTERM) are 128 + the signal number.
inline constexpr int kExitOk = 0;
inline constexpr int kExitPartial = 1;      // some inputs could not be read / mismatches or differences found
inline constexpr int kExitUsage = 2;        // bad command line, or an input that is missing or malformed
inline constexpr int kExitOutput = 3;       // the output could not be written (disk full, permission, ...)
inline constexpr int kExitGate = 4;         // a gate or check tripped (dsbalance --fail-if)
inline constexpr int kExitLocked = 5;       // another process holds the lock of the output (dsmanifest)
inline constexpr int kExitUnsupported = 6;  // the storage or system cannot run what was asked (dsbench)

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

// Gives `app` and every subcommand below it dskit's help layout: an option's placeholder is its name in
// capitals (`--size SIZE`, `-o,--output OUTPUT`) or N for a number, instead of CLI11's type names with their
// validators (`UINT:UINT in [1 - 4294967296]`, `TEXT:{a,b}`) and default values; an option that names its
// own placeholder (option_text) keeps it. Call after every option and subcommand is declared.
void tidy_help(CLI::App& app);

// A command line CLI11 refused: "TOOL: what (see TOOL [SUBCOMMAND] --help)" on stderr, the message starting
// in lowercase; returns kExitUsage. `app` is the top-level App (its parsed subcommand names the help).
int usage_error(std::string_view tool, const CLI::App& app, const CLI::ParseError& e);

// The same for a usage error of our own (a message about the command line: a flag's value, flags that
// contradict each other, a flag the input cannot serve): "TOOL: MESSAGE (see TOOL --help)", or with a
// subcommand "(see TOOL SUBCOMMAND --help)"; returns kExitUsage. Every tool's usage errors go through here.
int usage_error(std::string_view tool, std::string_view message);
int usage_error(std::string_view tool, std::string_view subcommand, std::string_view message);

// An input's error as printed: "PATH: No such file or directory" for a missing one (the cause as strerror
// gives it, without the failed call), else describe(e).
std::string describe_input(const PathError& e);

bool stderr_is_terminal();

// The width of the terminal in columns when standard output is one, else 0.
unsigned stdout_columns();

}  // namespace dskit::app
