#include "mode.h"

#include "cli/tool.h"

namespace dsbench {

ModeRun::ModeRun(const char* mode, const CommonFlags& flags, RankGate& gate)
    : mode_(mode), flags_(flags), gate_(gate), progress_(mode) {}

bool ModeRun::setup(dskit::bench::CommonOptions& c, bool settle) {
  if (!to_common(mode_, flags_, c)) {
    rc_ = dskit::app::kExitUsage;
    return false;
  }
  if (settle && !settle_engine(c, rc_)) return false;
  c.interrupt = signals_.flag();
  c.live = progress_.live();
  return true;
}

bool ModeRun::mpi_refuses(bool one_process, const std::string& what) {
  if (!gate_.mpi() || !one_process) return true;
  rc_ = usage(mode_, what + " for one process, not under MPI");
  return false;
}

bool ModeRun::start() {
  if (gate_.start()) return true;
  rc_ = gate_.code();
  return false;
}

bool ModeRun::ran(const std::vector<std::string>& warnings,
                  const std::optional<dskit::bench::BenchError>& err) {
  for (const auto& w : warnings) warn(w);
  if (!err) return true;
  error(err->message);
  rc_ = exit_code(*err);
  return false;
}

int ModeRun::finish(const dskit::bench::RankResult& mine, const RankGate::Report& report) {
  const int rc = gate_.finish(mine, report);
  return signals_.raised() ? signals_.exit_code() : rc;
}

int ModeRun::print(const std::string& report, const std::vector<dskit::bench::Sample>& series) const {
  int rc = print_report(flags_.output, report);
  if (const int trc = write_timeseries(flags_.timeseries, series)) rc = trc;
  return rc;
}

int ModeRun::exit(int rc, int outcome) const {
  if (signals_.raised()) return signals_.exit_code();
  return rc ? rc : outcome;
}

}  // namespace dsbench
