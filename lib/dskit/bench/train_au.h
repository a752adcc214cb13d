// The accounting of dsbench train, as pure functions over recorded step times: accelerator utilisation (AU,
// the share of wall time an emulated accelerator spent computing rather than waiting for data, the first step
// excluded as MLPerf Storage does, since it includes the start-up of the readers), and the --find-max search
// for the largest number of accelerators whose AU stays at or above a target.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace dskit::bench {

// One training step of one emulated accelerator (CLOCK_MONOTONIC ns): it asked for its next batch at
// `request_ns`, had it at `ready_ns`, and finished "computing" on it at `done_ns`.
struct StepTimes {
  int64_t request_ns = 0, ready_ns = 0, done_ns = 0;
};

// The step as accounted: the accelerator computes for exactly `compute_ns`; a wake-up later than that (this
// client's CPUs busy) moves `ready_ns` on, so that the delay counts as waiting and not as computing.
StepTimes nominal_step(StepTimes t, int64_t compute_ns);

// Where an accelerator's time went over its counted steps (all but the first).
struct StepAccount {
  uint64_t steps = 0;        // counted steps
  double compute_s = 0;      // sum of (done - ready)
  double wait_s = 0;         // sum of (ready - request)
  double wall_s = 0;         // sum of (done - request)
  std::optional<double> au;  // compute_s / wall_s; none without a counted step (or with zero wall time)

  // Adds another account's steps and times (not its AU: that is recomputed from the sums).
  StepAccount& operator+=(const StepAccount& o) {
    steps += o.steps;
    compute_s += o.compute_s;
    wait_s += o.wait_s;
    wall_s += o.wall_s;
    return *this;
  }
};

// The account of one accelerator's steps, in the order it ran them; steps[0] is excluded.
StepAccount account_steps(const std::vector<StepTimes>& steps);
// Several accelerators together: sums, and AU = total compute / total wall.
StepAccount combine_accounts(const std::vector<StepAccount>& accounts);

struct MaxTrial {
  unsigned accelerators = 0;
  std::optional<double> au;  // none: the trial failed or had too few steps (counts as below target)
};
struct MaxSearch {
  unsigned max_accelerators = 0;  // 0: not even one accelerator reached the target
  std::vector<MaxTrial> trials;   // in the order run
};
// The largest n in [1, limit] with trial(n) >= target, assuming AU falls as n grows: doubles n from 1 while
// the target is met, then bisects between the last good and the first bad count. Stops early (keeping what it
// has) when `trial` returns a MaxTrial with accelerators == 0 (interrupted).
MaxSearch find_max(unsigned limit, double target, const std::function<MaxTrial(unsigned)>& trial);

}  // namespace dskit::bench
