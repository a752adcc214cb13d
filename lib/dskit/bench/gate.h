// dsbench under mpirun/srun: the rank protocol every mode follows. A mode sets up (paths, datasets), calls
// start() — all ranks agree that every set-up worked (all_ok) and start together (barrier) — runs its share,
// and calls finish() with what it measured: rank 0 gathers every rank's result and hands one merged report to
// the app. A rank that returns early (an error) goes through close(), which makes the same collective calls
// the others make, so a failing rank never leaves the job hanging: rank 0 names it and every rank exits with
// its code. With one rank none of this communicates. The library never prints: messages and the report go
// to the app through GateOutput.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/bench/common.h"
#include "dskit/bench/dataset.h"
#include "dskit/bench/ranks.h"

namespace dskit::bench {

// The exit code of a rank that failed without one of its own (and of a job whose ranks had errors).
inline constexpr int kGateExitFailed = 1;

struct GateOutput {
  std::function<void(const std::string&)> error;  // one message line (rank 0 names failed ranks)
  std::function<int(const std::string&)> report;  // rank 0's merged report; returns an exit code
};

class RankGate {
 public:
  RankGate(Comm& comm, GateOutput out) : comm_(comm), out_(std::move(out)) {}
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
  // Gathers `mine` (its code 0) on rank 0, which hands report(merged, per_rank) to the app or names the
  // failed ranks. Returns the job's exit code on every rank.
  using Report = std::function<std::string(const MergedRanks&, const std::vector<RankResult>&)>;
  int finish(const RankResult& mine, const Report& report);
  // The mode returned `rc`: completes the protocol when it returned before start() or finish().
  int close(int rc);

 private:
  int agree_failure(int my_code);  // after all_ok came back false
  void error(const std::string& m) const {
    if (out_.error) out_.error(m);
  }
  enum class State { setup, started, finished } state_ = State::setup;
  Comm& comm_;
  GateOutput out_;
  int code_ = 0;
};

// This rank's files of a dataset: R, R+size, R+2*size, ...
std::vector<DatasetFile> rank_share(const std::vector<DatasetFile>& files, const RankGate& gate);

// This rank's part of the job's --ops and --bytes budgets (at least 1 each when set; unchanged on one rank).
void rank_budgets(CommonOptions& c, const RankGate& gate);

}  // namespace dskit::bench
