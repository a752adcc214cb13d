// dsbench randread --data: whole files (or a dspack pack's samples, see file_read.h) read in a seeded random
// order, epoch after epoch, the way a training loader reads a dataset. Every epoch's order is a permutation
// from (seed, epoch) — the same one `dsmanifest shuffle --seed S --epoch E` gives over the same rows. Threads
// take the next position from a shared counter; each file is opened, read in --block requests (up to
// --iodepth in flight with io_uring) and closed. Latencies: "open", "first_byte" (open start to the first
// read's completion) and "file" (open to close).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/bench/common.h"
#include "dskit/bench/dataset.h"
#include "dskit/bench/stats.h"
#include "dskit/pack/samples.h"

namespace dskit::bench {

struct DatasetReadOptions {
  CommonOptions common;  // ops: files to read at most; bytes: stop taking files after this many bytes
  uint64_t block = uint64_t{1} << 20;
  unsigned epochs = 1;
  bool trace = false;                       // record the (epoch, position, file) actually read
  const pack::PackSamples* pack = nullptr;  // the files are this pack's samples (load_dataset)
};

struct TraceEntry {
  uint64_t epoch = 0, position = 0, file = 0;
};

struct DatasetReadResult {
  PhaseResult phase;
  uint64_t dataset_bytes = 0;  // one epoch
  uint32_t alignment = 0;
  std::vector<TraceEntry> trace;  // sorted by (epoch, position)
  std::vector<std::string> warnings;
};

// The file index at `position` of `epoch`.
uint64_t dataset_order(uint64_t n, uint64_t seed, uint64_t epoch, uint64_t position);

std::optional<BenchError> run_dataset_read(DatasetReadOptions o, const std::vector<DatasetFile>& files,
                                           DatasetReadResult& out);

// The JSON object (and newline) `dsbench randread --data/--prepare --json` prints for one process: `s`
// summarizes r.phase, `data` is the directory or manifest read, `prepared` whether dsbench made it.
std::string dataset_read_report_json(const DatasetReadOptions& dro, const DatasetReadResult& r,
                                     const Summary& s, std::string_view data, bool prepared,
                                     std::size_t dataset_files);

}  // namespace dskit::bench
