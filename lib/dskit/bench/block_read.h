// dsbench randread --file: random reads of --block bytes at block-aligned offsets inside one large file or
// block device (fio --rw=randread), on --threads threads, each with its own engine and --iodepth requests in
// flight, each with its own seeded generator. Latency is "read" (submit to completion).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dskit/bench/common.h"

namespace dskit::bench {

struct BlockReadOptions {
  CommonOptions common;
  std::string file;
  uint64_t block = 4096;
  uint64_t size = 0;  // the span read, from offset 0; 0: the whole file or device
};

struct BlockReadResult {
  PhaseResult phase;
  uint64_t span = 0;       // bytes the offsets were drawn from
  uint32_t alignment = 0;  // O_DIRECT alignment in force (0 when buffered)
  std::vector<std::string> warnings;
};

std::optional<BenchError> run_block_read(BlockReadOptions o, BlockReadResult& out);

// The one-process report of a run (`s`: the summary of r.phase.threads): one JSON object (`json`) or the
// human table, each ending in a newline. The engine, threads and iodepth are those of `o` as run.
std::string block_read_report(const BlockReadOptions& o, const BlockReadResult& r, const Summary& s,
                              bool json);

}  // namespace dskit::bench
