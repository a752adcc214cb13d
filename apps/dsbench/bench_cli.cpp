#include "bench_cli.h"
#include "cli/common_flags.h"

#include <fmt/format.h>
#include <signal.h>
#include <time.h>

#include "cli/progress.h"
#include "cli/report.h"
#include "cli/tool.h"
#include "dskit/base/error.h"
#include "dskit/base/units.h"
#include "dskit/bench/report.h"

namespace dsbench {

using namespace dskit::bench;

void add_common_flags(CLI::App* sub, CommonFlags& f, bool with_budget, bool with_threads) {
  sub->add_option("--engine", f.engine, "I/O engine: psync, io_uring, or auto (io_uring, else psync)")
      ->check(CLI::IsMember({"psync", "io_uring", "uring", "auto"}));
  if (with_threads)
    dskit::app::add_threads_flag(sub, f.threads, "1", "I/O workers")->check(CLI::Range(1u, 4096u));
  sub->add_option("--iodepth", f.iodepth, "Requests in flight per thread with io_uring (default 1)")
      ->check(CLI::Range(1u, 4096u));
  sub->add_flag("--buffered", f.buffered, "Go through the page cache instead of O_DIRECT");
  sub->add_flag("--drop-cache", f.drop_cache,
                "Evict the files' cached pages (fadvise DONTNEED) before each phase");
  if (with_budget) {
    sub->add_option("--duration", f.duration, "Stop after this long (seconds, or 500ms, 2m, 1h)");
    sub->add_option("--ops", f.ops, "Stop after this many operations in total (4k, 1M, ... accepted)");
    sub->add_option("--bytes", f.bytes, "Stop after this many bytes in total (e.g. 10G)");
  }
  sub->add_option("--seed", f.seed, "Seed of every random choice (default 0)");
  sub->add_flag("--json", f.json, "One JSON document (schema in dsbench(1))");
  sub->add_option("--timeseries", f.timeseries, "Write a 1-second time series to this CSV file");
  dskit::app::add_output_flag(sub, f.output,
                              "Write the report (text or --json) to this file (default: stdout)");
  sub->add_flag("--keep", f.keep, "Keep the files the benchmark created");
  sub->add_flag("--per-rank", f.per_rank, "Under mpirun/srun: each rank's figures too, not only the merge");
}

bool size_flag(std::string_view mode, const std::string& text, const char* flag, uint64_t& out) {
  if (text.empty()) return true;
  if (auto err = dskit::parse_bytes(text, out)) {
    usage(mode, fmt::format("{}: {}", flag, *err));
    return false;
  }
  return true;
}

bool duration_flag(std::string_view mode, const std::string& text, const char* flag, double& seconds) {
  if (text.empty()) return true;
  int64_t ns = 0;
  if (auto err = dskit::parse_duration(text, ns)) {
    usage(mode, fmt::format("{}: {}", flag, *err));
    return false;
  }
  if (ns == 0) {
    usage(mode, fmt::format("{}: must be more than 0", flag));
    return false;
  }
  seconds = static_cast<double>(ns) / 1e9;
  return true;
}

std::string iec_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (u < 6 && bytes >= (uint64_t{1} << (10 * (u + 1)))) ++u;
  if (u == 0) return fmt::format("{} B", bytes);
  const uint64_t unit = uint64_t{1} << (10 * u);
  if (bytes % unit == 0) return fmt::format("{} {}", bytes / unit, kUnits[u]);
  return fmt::format("{:.1f} {}", static_cast<double>(bytes) / static_cast<double>(unit), kUnits[u]);
}

bool to_common(std::string_view mode, const CommonFlags& f, CommonOptions& out) {
  if (f.engine == "auto") {
    out.engine = EngineKind::io_uring;
    out.engine_fallback = true;
  } else {
    out.engine = *parse_engine(f.engine);
  }
  out.threads = f.threads;
  out.iodepth = f.iodepth;
  out.direct = !f.buffered;
  out.drop_cache = f.drop_cache;
  out.seed = f.seed;
  return duration_flag(mode, f.duration, "--duration", out.duration_s) &&
         size_flag(mode, f.ops, "--ops", out.ops) && size_flag(mode, f.bytes, "--bytes", out.bytes);
}

bool settle_engine(CommonOptions& c, int& rc) {
  std::vector<std::string> warnings;
  const auto err = resolve_engine(c, warnings);
  for (const auto& w : warnings) warn(w);
  if (err) {
    error(err->message);
    rc = exit_code(*err);
    return false;
  }
  return true;
}

void error(const std::string& message) {
  dskit::app::print_error("dsbench", message);
}
int usage(std::string_view mode, const std::string& message) {
  return dskit::app::usage_error("dsbench", mode, message);
}
void warn(const std::string& message) {
  dskit::app::print_error("dsbench", "warning: " + message);
}

int exit_code(const BenchError& e) {
  switch (e.kind) {
    case ErrorKind::usage:
      return dskit::app::kExitUsage;
    case ErrorKind::output:
      return dskit::app::kExitOutput;
    case ErrorKind::direct_refused:
    case ErrorKind::engine:
      return dskit::app::kExitUnsupported;  // O_DIRECT refused, or io_uring unavailable
    case ErrorKind::io:
      return dskit::app::kExitPartial;
  }
  return dskit::app::kExitPartial;
}

void print_errors(const std::vector<ThreadStats>& threads) {
  for (const auto& t : threads)
    for (const auto& e : t.errors) error(dskit::describe(e));
}

namespace {
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalFlag::SignalFlag() {
  block_stop_signals();
  const sigset_t set = stop_signals();
  thread_ = std::thread([this, set] {
    const timespec tick{0, 50000000};
    while (!done_.load()) {
      const int s = sigtimedwait(&set, nullptr, &tick);
      if (s > 0) {
        signal_.store(s);
        raised_.store(true);
      }
    }
  });
}

SignalFlag::~SignalFlag() {
  done_.store(true);
  thread_.join();
}

struct Progress::Impl {
  dskit::app::ProgressLine line;
  explicit Impl(std::function<std::string(double)> f) : line(std::move(f)) {}
};

Progress::Progress(const char* mode) {
  if (!dskit::app::stderr_is_terminal()) return;
  impl_ = std::make_unique<Impl>([this, mode](double elapsed) {
    const Runner* r = live_.load();
    if (!r) return fmt::format("dsbench {}: preparing ({:.0f}s)", mode, elapsed);
    return fmt::format("dsbench {}: {} ops, {:.1f} MB, {:.0f}s", mode, r->live_ops(),
                       static_cast<double>(r->live_bytes()) / 1e6, elapsed);
  });
}
Progress::~Progress() = default;

int print_report(const std::string& output, const std::string& text) {
  return dskit::app::write_report("dsbench", output.empty() ? "-" : output, text);
}

int write_timeseries(const std::string& file, const std::vector<Sample>& series) {
  if (file.empty()) return dskit::app::kExitOk;
  return dskit::app::write_report("dsbench", file, timeseries_csv(series));
}

}  // namespace dsbench
