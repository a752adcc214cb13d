// Reads one sample whole through an I/O engine, up to the engine's depth of `block`-byte requests in flight:
// what randread --data does for every file of the dataset and train for every sample. A sample is a file,
// opened, read and closed; or in a dspack pack (DatasetFile::sample) its members, read at their offsets from
// the pack's shards, opened once for the run.
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
#include "dskit/pack/samples.h"

namespace dskit::bench {

// Where a file's latencies go; null members are not recorded.
struct FileLatencies {
  Histogram* open = nullptr;  // open(2)
  Histogram* first_byte =
      nullptr;                // from before open to the first completed read (the open, for an empty file)
  Histogram* read = nullptr;  // each read request
  Histogram* file = nullptr;  // from before open to the last byte, for files read without error
};

// What a run reads its samples from, set up by prepare_whole_file_reads.
struct SampleReads {
  uint64_t dataset_bytes = 0;
  uint32_t alignment = 0;                   // O_DIRECT's; 0 when buffered
  const pack::PackSamples* pack = nullptr;  // null: every sample is a file
  pack::ShardFiles shards;                  // a pack's shards, open for the run
};

// The checks and set-up of a run that reads `files` whole in `block`-byte requests (randread --data, train):
// --block in range, the dataset's bytes, whether the first file (a pack: its shards, all opened here and
// their members' ranges checked) opens with O_DIRECT and the alignment it wants there (which --block must be
// a multiple of), a warning when buffered reads of a dataset that fits in RAM would measure the page cache,
// and --drop-cache applied. A pack's shards read buffered are advised POSIX_FADV_RANDOM: the kernel then
// reads no neighbouring samples ahead, as it reads nothing beyond a file's end.
std::optional<BenchError> prepare_whole_file_reads(const CommonOptions& c,
                                                   const std::vector<DatasetFile>& files,
                                                   const pack::PackSamples* pack, uint64_t block,
                                                   SampleReads& out, std::vector<std::string>& warnings);

// One per worker thread: its engine and buffer are reused from sample to sample.
class WholeFileReader {
 public:
  WholeFileReader(const CommonOptions& c, uint64_t block, const SampleReads& reads);
  // Reads `f` whole; requests, bytes (of the file or the members: never an O_DIRECT widening) and errors go
  // to `st` (and the live counters of `ctx`), and one to st.files. False on an error (recorded in `st`; an
  // engine failure also stops the phase).
  bool read(const DatasetFile& f, WorkerContext& ctx, ThreadStats& st, const FileLatencies& lat);

 private:
  // Reads [off, off + size) of `fd` (widened to O_DIRECT's alignment), stopping early at the end of the
  // file; `first` tells whether no read of the sample completed yet (for first_byte, timed from t0).
  bool read_range(int fd, uint64_t off, uint64_t size, const std::string& shown, int64_t t0, bool& first,
                  WorkerContext& ctx, ThreadStats& st, const FileLatencies& lat);
  const CommonOptions& c_;
  const SampleReads& reads_;
  uint64_t block_;
  uint32_t align_;
  unsigned depth_;
  std::unique_ptr<Engine> engine_;
  AlignedBuffer buf_;
  std::vector<unsigned> free_slots_;
  std::vector<IoCompletion> done_;
};

}  // namespace dskit::bench
