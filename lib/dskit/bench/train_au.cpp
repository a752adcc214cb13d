#include "dskit/bench/train_au.h"

namespace dskit::bench {

namespace {
double seconds(int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}
std::optional<double> ratio(double compute, double wall) {
  if (wall <= 0) return std::nullopt;
  return compute / wall;
}
}  // namespace

StepTimes nominal_step(StepTimes t, int64_t compute_ns) {
  if (t.done_ns - t.ready_ns > compute_ns) t.ready_ns = t.done_ns - compute_ns;
  return t;
}

StepAccount account_steps(const std::vector<StepTimes>& steps) {
  StepAccount a;
  int64_t compute = 0, wait = 0;
  for (std::size_t i = 1; i < steps.size(); ++i) {
    compute += steps[i].done_ns - steps[i].ready_ns;
    wait += steps[i].ready_ns - steps[i].request_ns;
    ++a.steps;
  }
  a.compute_s = seconds(compute);
  a.wait_s = seconds(wait);
  a.wall_s = seconds(compute + wait);
  if (a.steps) a.au = ratio(a.compute_s, a.wall_s);
  return a;
}

StepAccount combine_accounts(const std::vector<StepAccount>& accounts) {
  StepAccount t;
  for (const auto& a : accounts) t += a;
  if (t.steps) t.au = ratio(t.compute_s, t.wall_s);
  return t;
}

MaxSearch find_max(unsigned limit, double target, const std::function<MaxTrial(unsigned)>& trial) {
  MaxSearch s;
  if (limit == 0) return s;
  // Returns 1 (met), 0 (missed), -1 (stop searching).
  auto run = [&](unsigned n) {
    MaxTrial t = trial(n);
    if (t.accelerators == 0) return -1;
    s.trials.push_back(t);
    return t.au && *t.au >= target ? 1 : 0;
  };
  unsigned good = 0, bad = 0;  // bad == 0: no failing count seen yet
  for (unsigned n = 1;;) {
    const int r = run(n);
    if (r < 0) return s;
    if (r == 0) {
      bad = n;
      break;
    }
    good = n;
    s.max_accelerators = good;
    if (n == limit) return s;
    n = n > limit / 2 ? limit : n * 2;
  }
  while (bad - good > 1) {
    const unsigned mid = good + (bad - good) / 2;
    const int r = run(mid);
    if (r < 0) return s;
    if (r > 0) {
      good = mid;
      s.max_accelerators = good;
    } else {
      bad = mid;
    }
  }
  return s;
}

}  // namespace dskit::bench
