// The dataset randread --data/--prepare and train read: loaded from --data (files, or a dspack pack's
// samples; under MPI, this rank's share), or made by --prepare in a directory (DIR.rankR under MPI) and
// removed when the object goes away, unless
// --keep.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "dskit/bench/dataset.h"
#include "ranks_cli.h"

namespace dsbench {

struct DatasetFlags {
  std::string data, prepare;
  uint64_t files = 0;  // --prepare: how many
  std::string sizes;   // --prepare: the size distribution text
  uint64_t seed = 0;
  unsigned threads = 1;  // --prepare: writer threads
  bool keep = false;
  const char* mode = "";  // the subcommand, for the pointer of a usage error
};

// The help texts of --data, --prepare and --files in one mode.
struct DatasetHelp {
  const char* data;     // "Read whole files": ": a manifest, a file list, or a directory" follows
  const char* prepare;  // what is done with the dataset: "read it"
  const char* files;    // "how many files"
};
// Declares --data, --prepare and --files (in that order).
void add_dataset_flags(CLI::App* sub, std::string& data, std::string& prepare, uint64_t& files,
                       const DatasetHelp& help);

class DatasetSource {
 public:
  DatasetSource() = default;
  ~DatasetSource();
  DatasetSource(const DatasetSource&) = delete;
  DatasetSource& operator=(const DatasetSource&) = delete;
  // Loads or prepares; 0, or an exit code after printing the cause.
  int open(const DatasetFlags& f, const RankGate& gate, const SignalFlag& signals);
  std::vector<dskit::bench::DatasetFile> files;
  std::shared_ptr<const dskit::pack::PackSamples> pack;  // --data named a dspack pack: its samples
  bool prepared() const { return !flags_.prepare.empty(); }
  const std::string& name() const { return prepared() ? flags_.prepare : flags_.data; }

 private:
  DatasetFlags flags_;
  std::string dir_;
  bool made_dir_ = false;
};

}  // namespace dsbench
