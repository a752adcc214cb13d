// dsbench meta: mdtest-like metadata phases on many small files — create (open O_CREAT|O_EXCL, write
// file_size bytes, close), stat, read (open, read, close), readdir, unlink — each phase on every thread at
// once, with a barrier between phases. Easy mode gives each thread its own directory; hard mode puts every
// thread's files in one shared directory (contention on one directory's lock). Data goes through the page
// cache: this mode measures the metadata path, not data transfer.
//
// Under MPI (`comm` of more than one rank) the phases are collective: every rank starts a phase together
// (or, after an interrupt on any rank, none does). Easy mode gives each rank its own work directory; hard
// mode puts every thread of every rank in rank 0's one shared directory, files named by rank and thread, and
// rank 0 removes that directory once every rank has removed its files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/bench/common.h"

namespace dskit::bench {

struct MetaOptions {
  CommonOptions common;   // threads; interrupt; live
  std::string dir;        // a private work directory dsbench-meta.XXXXXX is made inside
  uint64_t files = 1000;  // per thread
  uint64_t file_size = 0;
  bool hard = false;
  bool keep = false;
  Comm* comm = nullptr;  // the ranks the run is spread over; nullptr: one process
};

struct MetaPhase {
  std::string name;  // create, stat, read, readdir, unlink
  PhaseResult result;
};

struct MetaResult {
  std::string workdir;  // empty on a rank other than 0 when rank 0 could not make it (rank 0 reports that)
  std::vector<MetaPhase> phases;
  bool removed = false;  // this process removed the work directory (hard mode under MPI: rank 0 only)
  std::vector<std::string> cleanup_errors;
};

// Where thread `thread` of rank `rank` works in `work`: easy mode work/tT/fI (each rank has its own work
// directory), hard mode work/shared/rR.tT.fI — one directory, names unique over ranks and threads.
std::string meta_thread_dir(const std::string& work, bool hard, unsigned thread);
std::string meta_file_path(const std::string& work, bool hard, int rank, unsigned thread, uint64_t i);

// The readdir phase: each thread lists its directory — in hard mode the shared one, so under MPI every thread
// of every rank lists all ranks' files — and its operations are the entries listed.

// The three steps of a run, which every rank takes together (collective calls):
// meta_setup makes the work directory — in hard mode rank 0 makes it and every other rank checks that it sees
// it (--dir must be on a filesystem all ranks share). Under MPI the caller then agrees with the other ranks
// that every set-up worked (RankGate::start); if not, meta_abandon removes what this rank made. Otherwise
// meta_phases runs the phases and, without `keep`, removes the files and directories.
std::optional<BenchError> meta_setup(const MetaOptions& o, MetaResult& out);
void meta_abandon(const MetaOptions& o, MetaResult& out);
void meta_phases(const MetaOptions& o, MetaResult& out);

// One process: meta_setup then meta_phases.
std::optional<BenchError> run_meta(const MetaOptions& o, MetaResult& out);

// The JSON object (and newline) `dsbench meta --json` prints for one process: `meta_mode` easy or hard,
// `interrupted` whether a signal stopped the run.
std::string meta_report_json(const MetaOptions& mo, const MetaResult& r, std::string_view meta_mode,
                             bool interrupted);

}  // namespace dskit::bench
