// dsbench's subcommands, one file each (randread.cpp, ckpt.cpp, meta.cpp, train.cpp). Each adds its
// subcommand to the parent CLI::App, binds its flags to its own options struct, and returns the function
// main() runs.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "dskit/base/comm.h"

namespace dsbench {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int(dskit::Comm&)> run;  // every rank runs it (one rank without MPI)
};

Command add_randread(CLI::App& app);
Command add_ckpt(CLI::App& app);
Command add_meta(CLI::App& app);
Command add_train(CLI::App& app);

}  // namespace dsbench
