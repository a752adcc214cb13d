// dsbench ckpt: N writers write a checkpoint at once, each one file (torch.save-like) or K shards
// (torch.distributed.checkpoint-like), in --block writes through the engine, then fsync each file. Reports
// what the training job waits for: the slowest writer's time until its data is durable. --verify evicts the
// cache and reads everything back against the XXH3-64 of what was written. A full disk stops every writer;
// the files are removed (unless keep) and the bytes written so far are reported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dskit/bench/common.h"
#include "dskit/bench/stats.h"

namespace dskit::bench {

struct CkptOptions {
  CommonOptions common;  // threads = writers
  std::string dir;
  uint64_t size = 0;  // per writer
  unsigned shards = 1;
  uint64_t block = uint64_t{1} << 20;
  bool fsync = true;
  bool verify = false;
  bool keep = false;
  std::string tag;  // inserted in the file names (dsbench-ckpt-<tag>wW-sK.bin), e.g. "r3-" for MPI rank 3
};

struct CkptFile {
  std::string path;
  unsigned writer = 0;
  uint64_t size = 0;     // planned
  uint64_t written = 0;  // bytes written
  std::string xxh3_64;   // of what was written (hex, as xxhsum -H3 prints it)
  std::string readback;  // of what --verify read back
};

struct CkptResult {
  PhaseResult write;
  std::optional<PhaseResult> verify;
  std::vector<CkptFile> files;
  uint64_t mismatches = 0;
  bool disk_full = false;
  bool removed = false;
  uint32_t alignment = 0;
  std::vector<std::string> warnings;
  std::vector<std::string> cleanup_errors;
};

// Errors before the run (bad options, directory missing or not writable, O_DIRECT refused) return a
// BenchError and leave nothing behind; errors during the run are in the ThreadStats, with `disk_full` set
// for ENOSPC/EDQUOT.
std::optional<BenchError> run_ckpt(CkptOptions o, CkptResult& out);

// The JSON object (and newline) `dsbench ckpt --json` prints for one process; `s` summarizes r.write.
std::string ckpt_report_json(const CkptOptions& co, const CkptResult& r, const Summary& s);

}  // namespace dskit::bench
