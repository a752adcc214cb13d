// dsbench under mpirun/srun: the rank protocol every mode follows, and rank 0's merged report.
// A mode sets up (paths, datasets), calls start() — all ranks agree that every set-up worked (all_ok) and
// start together (barrier) — runs its share, and calls finish() with what it measured: rank 0 gathers every
// rank's result and prints one merged report. A rank that returns early (an error) goes through close(),
// which makes the same collective calls the others make, so a failing rank never leaves the job hanging:
// rank 0 names it and every rank exits with its code. With one rank none of this communicates.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/bench/dataset.h"
#include "dskit/bench/ranks.h"
#include "dskit/bench/report.h"

namespace dsbench {

class RankGate {
 public:
  explicit RankGate(dskit::Comm& comm) : comm_(comm) {}
  bool mpi() const { return comm_.size() > 1; }
  int rank() const { return comm_.rank(); }
  int size() const { return comm_.size(); }
  // False when another rank failed its set-up: the job's exit code is code().
  bool start();
  // For a set-up that itself communicates (rank 0 makes what every rank uses): all ranks agree that the
  // set-up so far worked before that step, so that no rank is in a collective call the others are not. False
  // when another rank failed: the job's exit code is code(). Then start() (or close()) as usual.
  bool ready();
  int code() const { return code_; }
  // Gathers `mine` (its code 0) on rank 0, which prints report(merged, per_rank) or names the failed
  // ranks. Returns the job's exit code on every rank.
  using Report = std::function<std::string(const dskit::bench::MergedRanks&,
                                           const std::vector<dskit::bench::RankResult>&)>;
  int finish(const dskit::bench::RankResult& mine, const Report& report);
  // The mode returned `rc`: completes the protocol when it returned before start() or finish().
  int close(int rc);

 private:
  int agree_failure(int my_code);  // after all_ok came back false
  enum class State { setup, started, finished } state_ = State::setup;
  dskit::Comm& comm_;
  int code_ = 0;
};

// This rank's files of a dataset: R, R+size, R+2*size, ...
std::vector<dskit::bench::DatasetFile> rank_share(const std::vector<dskit::bench::DatasetFile>& files,
                                                  const RankGate& gate);

// This rank's part of the job's --ops and --bytes budgets (at least 1 each when set; unchanged on one rank).
void rank_budgets(dskit::bench::CommonOptions& c, const RankGate& gate);

// The merged report every mode prints under MPI: JSON (`ranks`, the common members over all ranks, the
// mode's values, `slowest_rank`, `latencies`, and `per_rank` when asked) or text.
struct RanksReport {
  dskit::bench::ReportHeader header;
  std::string_view main_latency;
  bool json = false;
  bool per_rank = false;
  std::string extra_json;  // members the mode adds (",\"name\":value...")
  std::string extra_text;  // lines the mode adds
};
// The report's settings from a mode's options: threads, the engine in force, iodepth (io_uring only),
// O_DIRECT.
RanksReport ranks_header(std::string_view mode, const dskit::bench::CommonOptions& c, uint64_t block,
                         std::string_view main_latency, bool json, bool per_rank);
std::string ranks_report(const RanksReport& rr, const dskit::bench::MergedRanks& m,
                         const std::vector<dskit::bench::RankResult>& per_rank);

}  // namespace dsbench
