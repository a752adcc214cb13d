// The skeleton every dsbench mode runs through, written once: the signal flag (made first, before any
// thread), the common flags turned into options, the engine settled, the progress line, the MPI refusals,
// the start agreement, the warnings and error of the run, the rank report under MPI, and the one-process
// report with its time series and exit code. A mode fills in its own options, runs and builds its report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench_cli.h"
#include "dskit/bench/common.h"
#include "dskit/bench/ranks.h"
#include "ranks_cli.h"

namespace dsbench {

class ModeRun {
 public:
  ModeRun(const char* mode, const CommonFlags& flags, RankGate& gate);
  ModeRun(const ModeRun&) = delete;
  ModeRun& operator=(const ModeRun&) = delete;

  // Fills `c` from the common flags, settles the engine (when `settle`) and hooks the signal flag and the
  // progress line in. False: return rc().
  bool setup(dskit::bench::CommonOptions& c, bool settle = true);
  // Under MPI, `one_process` (--timeseries, or what `what` names) is refused. False: return rc().
  bool mpi_refuses(bool one_process, const std::string& what);
  // The start agreement. False: return rc().
  bool start();
  // After the run: prints its warnings, and its error if any (false then: return rc()).
  bool ran(const std::vector<std::string>& warnings, const std::optional<dskit::bench::BenchError>& err);
  int rc() const { return rc_; }

  // Under MPI: hands this rank's result to the gate; the job's exit code (or the signal's).
  int finish(const dskit::bench::RankResult& mine, const RankGate::Report& report);
  // One process: prints the report and writes the time series; 0 or an output exit code.
  int print(const std::string& report, const std::vector<dskit::bench::Sample>& series) const;
  // The exit code: the signal's, else `rc` (an output failure), else `outcome`.
  int exit(int rc, int outcome) const;

  RankGate& gate() { return gate_; }
  bool mpi() const { return gate_.mpi(); }
  const SignalFlag& signals() const { return signals_; }

 private:
  std::string mode_;
  const CommonFlags& flags_;
  RankGate& gate_;
  SignalFlag signals_;  // before the progress line and any other thread
  Progress progress_;
  int rc_ = 0;
};

}  // namespace dsbench
