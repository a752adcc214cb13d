// dsmanifest's subcommands. Each lives in its own file (build.cpp, verify.cpp, ..., shuffle.cpp) and
// registers itself on the parent CLI::App: it adds a subcommand, binds its flags to its own options struct
// and returns the function main() calls when that subcommand was given. The function returns the exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace dsmanifest {

using Run = std::function<int()>;

struct Command {
  CLI::App* sub = nullptr;
  Run run;
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

}  // namespace dsmanifest
