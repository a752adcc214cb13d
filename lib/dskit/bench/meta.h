// dsbench meta: mdtest-like metadata phases on many small files — create (open O_CREAT|O_EXCL, write
// file_size bytes, close), stat, read (open, read, close), readdir, unlink — each phase on every thread at
// once, with a barrier between phases. Easy mode gives each thread its own directory; hard mode puts every
// thread's files in one shared directory (contention on one directory's lock). Data goes through the page
// cache: this mode measures the metadata path, not data transfer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dskit/bench/common.h"

namespace dskit::bench {

struct MetaOptions {
  CommonOptions common;   // threads; interrupt; live
  std::string dir;        // a private work directory dsbench-meta.XXXXXX is made inside
  uint64_t files = 1000;  // per thread
  uint64_t file_size = 0;
  bool hard = false;
  bool keep = false;
};

struct MetaPhase {
  std::string name;  // create, stat, read, readdir, unlink
  PhaseResult result;
};

struct MetaResult {
  std::string workdir;
  std::vector<MetaPhase> phases;
  bool removed = false;
  std::vector<std::string> cleanup_errors;
};

std::optional<BenchError> run_meta(const MetaOptions& o, MetaResult& out);

}  // namespace dskit::bench
