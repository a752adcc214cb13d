// dsbench meta: create, stat, open-read-close, readdir and unlink phases on many small files (mdtest-like).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "bench_cli.h"
#include "cli/tool.h"
#include "commands.h"
#include "dskit/base/text.h"
#include "dskit/bench/meta.h"
#include "dskit/bench/report.h"
#include "mode.h"
#include "ranks_cli.h"

namespace dsbench {

namespace {

struct MetaCmdOptions {
  CommonFlags common;
  std::string dir;
  uint64_t files = 1000;
  std::string file_size;
  std::string mode = "easy";
};

int run_meta_cmd(const MetaCmdOptions& o, dskit::Comm& comm, RankGate& gate) {
  using namespace dskit::bench;
  ModeRun run("meta", o.common, gate);
  MetaOptions mo;
  if (!run.setup(mo.common, false)) return run.rc();
  if (!size_flag("meta", o.file_size, "--file-size", mo.file_size)) return dskit::app::kExitUsage;
  mo.dir = o.dir;
  mo.files = o.files;
  mo.hard = o.mode == "hard";
  mo.keep = o.common.keep;
  if (!run.mpi_refuses(!o.common.timeseries.empty(), "--timeseries is")) return run.rc();
  mo.comm = &comm;
  if (!gate.ready()) return gate.code();
  MetaResult r;
  // Set up before the start agreement: in hard mode rank 0 makes the one directory every rank works in.
  if (const auto err = meta_setup(mo, r)) {
    error(err->message);
    return exit_code(*err);
  }
  if (!run.start()) {
    meta_abandon(mo, r);
    for (const auto& e : r.cleanup_errors) error(e);
    return run.rc();
  }
  meta_phases(mo, r);
  std::vector<ThreadStats> all;
  for (const auto& p : r.phases) all.insert(all.end(), p.result.threads.begin(), p.result.threads.end());
  Summary total = summarize(all);
  double secs = 0;
  for (const auto& p : r.phases) secs += summarize(p.result.threads).seconds();
  if (gate.mpi()) {
    // The ranks start each phase together (easy mode: each rank in its own work directory; hard mode: all in
    // rank 0's shared one); a phase's rate is all ranks' operations over the slowest rank's time in it.
    for (const auto& p : r.phases) print_errors(p.result.threads);
    for (const auto& e : r.cleanup_errors) error(e);
    RankResult mine = rank_result(total);
    mine.seconds = secs;
    mine.errors += r.cleanup_errors.size();
    for (const auto& p : r.phases) {
      const Summary ps = summarize(p.result.threads);
      mine.values.push_back({RankValue::Merge::sum, p.name + "_ops", static_cast<double>(ps.ops)});
      mine.values.push_back({RankValue::Merge::max, p.name + "_seconds", ps.seconds()});
    }
    return run.finish(mine, [&](const MergedRanks& m, const std::vector<RankResult>& ranks) {
      RanksReport rr{{"meta", EngineKind::psync, mo.common.threads, 1, false, 0},
                     "",
                     o.common.json,
                     o.common.per_rank,
                     "",
                     ""};
      rr.extra_json =
          fmt::format(",\"meta_mode\":\"{}\",\"files_per_thread\":{},\"file_size\":{},\"phases\":[", o.mode,
                      mo.files, mo.file_size);
      for (std::size_t i = 0; i < r.phases.size(); ++i) {
        const std::string& n = r.phases[i].name;
        const double ops = m.total.value(n + "_ops"), ps = m.total.value(n + "_seconds");
        rr.extra_json +=
            fmt::format("{}{{\"name\":\"{}\",\"ops\":{:.0f},\"seconds\":{:.6f},\"ops_per_s\":{:.1f}}}",
                        i ? "," : "", n, ops, ps, ps > 0 ? ops / ps : 0.0);
        rr.extra_text += fmt::format("  {:<10}{:>12.0f} ops{:>12.3f}s (slowest rank){:>14.0f} ops/s\n", n,
                                     ops, ps, ps > 0 ? ops / ps : 0.0);
      }
      rr.extra_json += ']';
      return ranks_report(rr, m, ranks);
    });
  }
  std::string out;
  if (o.common.json) {
    out = meta_report_json(mo, r, o.mode, run.signals().raised());
  } else {
    out += fmt::format("dsbench meta  {}  mode {}  threads {}  files {} per thread  file size {}\n", o.dir,
                       o.mode, mo.common.threads, mo.files, iec_bytes(mo.file_size));
    out += fmt::format("{:<10}{:>10}{:>12}{:>12}{:>10}{:>10}{:>10}{:>10}\n", "phase", "ops", "seconds",
                       "ops/s", "p50", "p99", "p99.9", "max");
    for (const auto& p : r.phases) {
      const Summary s = summarize(p.result.threads);
      const Histogram* h = s.lat.find(p.name);
      const Histogram empty;
      const Histogram& hh = h ? *h : empty;
      out += fmt::format("{:<10}{:>10}{:>12.3f}{:>12.0f}{:>10}{:>10}{:>10}{:>10}\n", p.name, s.ops,
                         s.seconds(), s.per_second(s.ops), human_ns(hh.percentile(50)),
                         human_ns(hh.percentile(99)), human_ns(hh.percentile(99.9)), human_ns(hh.max()));
    }
    out +=
        "readdir: ops and ops/s count entries listed; its latencies are per directory listing (per call)\n";
  }
  for (const auto& p : r.phases) print_errors(p.result.threads);
  for (const auto& e : r.cleanup_errors) error(e);
  std::vector<Sample> series;
  double offset = 0;
  for (const auto& p : r.phases) {
    for (auto s : p.result.series) {
      s.t_s += offset;
      series.push_back(s);
    }
    if (!p.result.series.empty()) offset = series.back().t_s;
  }
  return run.exit(run.print(out, series), total.error_count || !r.cleanup_errors.empty()
                                              ? dskit::app::kExitPartial
                                              : dskit::app::kExitOk);
}

}  // namespace

Command add_meta(CLI::App& app) {
  auto o = std::make_shared<MetaCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("meta", "Metadata phases on many small files: create, stat, read, readdir, unlink");
  sub->add_option("--dir", o->dir, "Directory to work in (a private subdirectory is made and removed)")
      ->required();
  sub->add_option("--files", o->files, "Files per thread (default 1000)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  sub->add_option("--file-size", o->file_size, "Bytes written to and read from each file (default 0)");
  sub->add_option("--mode", o->mode, "easy: a directory per thread; hard: one shared directory")
      ->check(CLI::IsMember({"easy", "hard"}));
  add_common_flags(sub, o->common, false);
  return {sub, [o](dskit::Comm& comm) {
            RankGate gate(comm, gate_output(o->common.output));
            return gate.close(run_meta_cmd(*o, comm, gate));
          }};
}

}  // namespace dsbench
