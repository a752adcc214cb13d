// Reads one file whole through an I/O engine, up to the engine's depth of `block`-byte requests in flight:
// what randread --data does for every file of the dataset and train for every sample.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dskit/bench/common.h"
#include "dskit/bench/dataset.h"
#include "dskit/bench/engine.h"
#include "dskit/bench/histogram.h"
#include "dskit/bench/runner.h"
#include "dskit/bench/stats.h"
#include "dskit/bench/target.h"

namespace dskit::bench {

// Where a file's latencies go; null members are not recorded.
struct FileLatencies {
  Histogram* open = nullptr;  // open(2)
  Histogram* first_byte =
      nullptr;                // from before open to the first completed read (the open, for an empty file)
  Histogram* read = nullptr;  // each read request
  Histogram* file = nullptr;  // from before open to the last byte, for files read without error
};

// The checks and set-up of a run that reads `files` whole in `block`-byte requests (randread --data, train):
// --block in range, the dataset's bytes in `dataset_bytes`, whether the first file opens with O_DIRECT and
// the alignment it wants there (`alignment`, which --block must be a multiple of; 0 when buffered), a warning
// when buffered reads of a dataset that fits in RAM would measure the page cache, and --drop-cache applied.
std::optional<BenchError> prepare_whole_file_reads(const CommonOptions& c,
                                                   const std::vector<DatasetFile>& files, uint64_t block,
                                                   uint64_t& dataset_bytes, uint32_t& alignment,
                                                   std::vector<std::string>& warnings);

// One per worker thread: its engine and buffer are reused from file to file.
class WholeFileReader {
 public:
  WholeFileReader(const CommonOptions& c, uint64_t block, uint32_t alignment);
  // Reads `f` whole; requests, bytes and errors go to `st` (and the live counters of `ctx`). False on an
  // error (recorded in `st`; an engine failure also stops the phase).
  bool read(const DatasetFile& f, WorkerContext& ctx, ThreadStats& st, const FileLatencies& lat);

 private:
  const CommonOptions& c_;
  uint64_t block_;
  uint32_t align_;
  unsigned depth_;
  std::unique_ptr<Engine> engine_;
  AlignedBuffer buf_;
  std::vector<unsigned> free_slots_;
  std::vector<IoCompletion> done_;
};

}  // namespace dskit::bench
