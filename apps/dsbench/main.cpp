// dsbench: storage benchmarks shaped like AI workloads (random dataset reads, checkpoints, metadata storms).
// Each subcommand lives in its own file; see commands.h. The library side is lib/dskit/bench.
#include <CLI/CLI.hpp>
#include <vector>

#include "bench_cli.h"
#include "cli/tool.h"
#include "commands.h"
#include "mpi/comm_mpi.h"

static int run(int argc, char** argv) {
  dskit::app::init_process();
  // Before MPI starts its threads: a SIGINT or SIGTERM then waits for the benchmark's SignalFlag, which stops
  // the run and removes its files, instead of killing the rank through one of MPI's threads.
  dsbench::block_stop_signals();
  std::string mpi_error;
  const auto comm = dskit::mpi::join(argc, argv, mpi_error);
  if (!comm) {
    dskit::app::print_error("dsbench", mpi_error);
    return dskit::app::kExitUsage;
  }
  CLI::App cli{"dsbench: honest storage benchmarks shaped like AI workloads", "dsbench"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "dsbench 0.1.0");
  const std::vector<dsbench::Command> commands = {dsbench::add_randread(cli), dsbench::add_ckpt(cli),
                                                  dsbench::add_meta(cli), dsbench::add_train(cli)};
  dskit::app::tidy_help(cli);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return comm->is_root() ? cli.exit(e) : 0;
    return comm->is_root() ? dskit::app::usage_error("dsbench", cli, e) : dskit::app::kExitUsage;
  }
  for (const auto& c : commands)
    if (c.sub->parsed()) return c.run(*comm);
  return dskit::app::kExitUsage;
}

int main(int argc, char** argv) {
  return dskit::app::run_tool("dsbench", argc, argv, run);
}
