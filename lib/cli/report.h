// One way out for a tool's finished text (reports, summaries, CSVs, manifests on -o) and for what a failed
// write means: EPIPE on standard output (a reader such as `head` went away) is a quiet, successful end; any
// other failure (ENOSPC, EIO, EBADF on a closed stdout, ...) prints "TOOL: PATH: cause" and gives the tool's
// documented exit code for an unwritable output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/tool.h"
#include "dskit/base/error.h"
#include "dskit/base/fileio.h"

namespace dskit::app {

// Writes TEXT to OUT: "-" or "" is standard output; anything else goes through write_file_atomic (a regular
// file replaced atomically with the given durability, a device, FIFO or /dev/fd/N written in place, a
// symlink's target replaced). Returns kExitOk, or `fail_code` after printing the error.
int write_report(std::string_view tool, const std::string& out, std::string_view text,
                 int fail_code = kExitOutput, const WriteOptions& o = {});

// The same mapping for an error an output already returned (write_manifest, OutputFile::commit, ...):
// kExitOk when there is none or it is EPIPE on standard output, else prints it and returns `fail_code`.
int output_result(std::string_view tool, const std::optional<PathError>& err, int fail_code = kExitOutput);

// Text for a person next to the output (a summary while the data goes to stdout): to standard error; a
// failure there is not an error of the run.
void write_message(std::string_view text);

}  // namespace dskit::app
