// dsbalance: class balance of a dataset (manifest, ImageFolder tree, CSV label file, COCO, YOLO or VOC
// annotations): counts, imbalance metrics, label merging, loss weights, resampling into a new manifest,
// drift between splits, and CI gates.
//
// options.h: the flags and their check; input.h: reading an input; run.h: the flow from flags to exit code;
// actions.h: resampling, weights, the report and the gates; print.h, print_drift.h: the output's text.
#include <CLI/CLI.hpp>

#include "cli/tool.h"
#include "options.h"
#include "run.h"

static int run(int argc, char** argv) {
  dskit::app::init_process();
  dsbalance::DsbalanceOptions o;
  CLI::App cli{"dsbalance: class balance of a dataset: counts, metrics, merging, weights, resampling, gates",
               "dsbalance"};
  dsbalance::add_options(cli, o);
  cli.set_version_flag("--version", "dsbalance 0.1.0");
  dskit::app::tidy_help(cli);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cli.exit(e);
    return dskit::app::usage_error("dsbalance", cli, e);
  }
  return dsbalance::run(o);
}

int main(int argc, char** argv) {
  return dskit::app::run_tool("dsbalance", argc, argv, run);
}
