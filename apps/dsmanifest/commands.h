// dsmanifest's subcommands. Each lives in its own file (build.cpp, verify.cpp, ..., shuffle.cpp) and
// registers itself on the parent CLI::App: it adds a subcommand, binds its flags to its own options struct
// and returns the function main() calls when that subcommand was given. The function returns the exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>

#include "dskit/base/comm.h"

namespace dsmanifest {

using Run = std::function<int()>;
// A subcommand that runs across the ranks of an MPI job (every rank calls it).
using RunRanks = std::function<int(dskit::Comm&)>;

struct Command {
  Command(CLI::App* s, Run r) : sub(s), run(std::move(r)) {}
  Command(CLI::App* s, RunRanks r) : sub(s), run_ranks(std::move(r)) {}
  CLI::App* sub = nullptr;
  Run run;             // a subcommand that runs as one process
  RunRanks run_ranks;  // one that scales out (build)
};

Command add_build(CLI::App& app);
Command add_verify(CLI::App& app);
Command add_update(CLI::App& app);
Command add_diff(CLI::App& app);
Command add_shuffle(CLI::App& app);
Command add_shard(CLI::App& app);
Command add_split(CLI::App& app);
Command add_convert(CLI::App& app);
Command add_stats(CLI::App& app);
Command add_leaks(CLI::App& app);

}  // namespace dsmanifest
