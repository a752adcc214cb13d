// dsmanifest: build, verify, update, diff, shuffle, shard, split, convert and summarise a dataset manifest
// (format: man/dskit-manifest.5). Each subcommand lives in its own file; see commands.h.
#include <CLI/CLI.hpp>
#include <vector>

#include "cli/tool.h"
#include "commands.h"
#include "mpi/comm_mpi.h"

static int run(int argc, char** argv) {
  dskit::app::init_process();
  std::string mpi_error;
  const auto comm = dskit::mpi::join(argc, argv, mpi_error);
  if (!comm) {
    dskit::app::print_error("dsmanifest", mpi_error);
    return dskit::app::kExitUsage;
  }
  CLI::App cli{"dsmanifest: build, check and transform a dataset manifest", "dsmanifest"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "dsmanifest 0.1.0");
  const std::vector<dsmanifest::Command> commands = {
      dsmanifest::add_build(cli), dsmanifest::add_verify(cli),  dsmanifest::add_update(cli),
      dsmanifest::add_diff(cli),  dsmanifest::add_shuffle(cli), dsmanifest::add_shard(cli),
      dsmanifest::add_split(cli), dsmanifest::add_convert(cli), dsmanifest::add_stats(cli),
      dsmanifest::add_leaks(cli)};
  dskit::app::tidy_help(cli);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return comm->is_root() ? cli.exit(e) : 0;
    return comm->is_root() ? dskit::app::usage_error("dsmanifest", cli, e) : dskit::app::kExitUsage;
  }
  for (const auto& c : commands) {
    if (!c.sub->parsed()) continue;
    if (c.run_ranks) return c.run_ranks(*comm);
    if (comm->size() > 1) {
      if (comm->is_root())
        dskit::app::print_error("dsmanifest", c.sub->get_name() +
                                                  " runs as one process; of the subcommands only "
                                                  "build runs across MPI ranks");
      return dskit::app::kExitUsage;
    }
    return c.run();
  }
  return dskit::app::kExitUsage;
}

int main(int argc, char** argv) {
  return dskit::app::run_tool("dsmanifest", argc, argv, run);
}
