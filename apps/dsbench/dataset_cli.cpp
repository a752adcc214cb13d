#include "dataset_cli.h"

#include <fmt/format.h>

#include "cli/tool.h"

namespace dsbench {

using namespace dskit::bench;

void add_dataset_flags(CLI::App* sub, std::string& data, std::string& prepare, uint64_t& files,
                       const DatasetHelp& help) {
  sub->add_option("--data", data,
                  fmt::format("{}: a manifest, a file list, a directory, or a dspack pack", help.data));
  sub->add_option("--prepare", prepare,
                  fmt::format("Create a synthetic dataset in this directory, {}, remove it", help.prepare));
  sub->add_option("--files", files, fmt::format("With --prepare: {}", help.files))
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
}

DatasetSource::~DatasetSource() {
  if (!prepared() || flags_.keep) return;
  for (const auto& e : remove_dataset(files, made_dir_ ? dir_ : std::string())) error(e);
}

int DatasetSource::open(const DatasetFlags& f, const RankGate& gate, const SignalFlag& signals) {
  flags_ = f;
  if (!prepared()) {
    if (auto err = load_dataset(f.data, files, pack)) {
      error(err->message);
      return exit_code(*err);
    }
    if (gate.mpi()) files = rank_share(files, gate);
    return dskit::app::kExitOk;
  }
  dir_ = gate.mpi() ? fmt::format("{}.rank{}", f.prepare, gate.rank()) : f.prepare;
  std::string msg;
  const auto dist = parse_size_dist(f.sizes, msg);
  if (!dist) return usage(f.mode, msg);
  PrepareOptions po{dir_, f.files, *dist, f.seed, f.threads, signals.flag()};
  if (auto err = prepare_dataset(po, files, made_dir_)) {
    error(err->message);
    return exit_code(*err);
  }
  return signals.raised() ? signals.exit_code() : dskit::app::kExitOk;
}

}  // namespace dsbench
