// dsbench ckpt: concurrent checkpoint writers, time until durable, fsync latency, optional read-back check.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "bench_cli.h"
#include "cli/tool.h"
#include "commands.h"
#include "dskit/base/text.h"
#include "dskit/bench/ckpt.h"
#include "dskit/bench/ranks.h"
#include "dskit/bench/report.h"
#include "mode.h"
#include "ranks_cli.h"

namespace dsbench {

namespace {

struct CkptCmdOptions {
  CommonFlags common;
  std::string dir;
  unsigned writers = 1;
  std::string size;
  std::string block;
  unsigned shards = 1;
  bool fsync = true;
  bool verify = false;
};

int run_ckpt_cmd(const CkptCmdOptions& o, RankGate& gate) {
  using namespace dskit::bench;
  ModeRun run("ckpt", o.common, gate);
  CkptOptions co;
  if (!run.setup(co.common)) return run.rc();
  co.common.threads = o.writers;
  co.dir = o.dir;
  co.shards = o.shards;
  co.fsync = o.fsync;
  co.verify = o.verify;
  co.keep = o.common.keep;
  if (!size_flag("ckpt", o.size, "--size", co.size) || !size_flag("ckpt", o.block, "--block", co.block))
    return dskit::app::kExitUsage;
  if (!run.mpi_refuses(!o.common.timeseries.empty(), "--timeseries is")) return run.rc();
  if (gate.mpi()) co.tag = fmt::format("r{}-", gate.rank());  // each rank writes its own files
  if (!run.start()) return run.rc();
  CkptResult r;
  if (!run.ran(r.warnings, run_ckpt(co, r))) return run.rc();
  const Summary s = summarize(r.write.threads);
  if (gate.mpi()) {
    print_errors(r.write.threads);
    if (r.verify) print_errors(r.verify->threads);
    for (const auto& e : r.cleanup_errors) error(e);
    if (r.disk_full)
      error(fmt::format("rank {}: {}: disk full after {} bytes written", gate.rank(), co.dir, s.bytes));
    const bool done = s.error_count == 0 && !r.write.interrupted;
    RankResult mine = rank_result(s);
    mine.errors += r.mismatches + r.cleanup_errors.size();
    mine.values = {{RankValue::Merge::sum, "incomplete_ranks", done ? 0.0 : 1.0},
                   {RankValue::Merge::sum, "mismatches", static_cast<double>(r.mismatches)},
                   {RankValue::Merge::max, "durable_s", done && co.fsync ? s.last_done_s : 0.0}};
    return run.finish(mine, [&](const MergedRanks& m, const std::vector<RankResult>& all) {
      RanksReport rr = ranks_header("ckpt", co.common, co.block, "write", o.common.json, o.common.per_rank);
      const bool complete = m.total.value("incomplete_ranks") == 0 && m.failed.empty();
      unsigned slowest = 0;
      for (unsigned i = 0; i < all.size(); ++i)
        if (all[i].value("durable_s") > all[slowest].value("durable_s")) slowest = i;
      rr.extra_json = fmt::format(
          ",\"writers_per_rank\":{},\"shards\":{},\"size_per_writer\":{},\"fsync\":{},"
          "\"complete\":{},\"slowest_durable_rank\":{}",
          o.writers, co.shards, co.size, co.fsync, complete, slowest);
      if (complete && co.fsync)
        rr.extra_text = fmt::format("checkpoint durable after {:.3f}s (the slowest rank: {})\n",
                                    m.total.value("durable_s"), slowest);
      return ranks_report(rr, m, all);
    });
  }
  std::string out;
  const ReportHeader h{"ckpt",           co.common.engine,
                       o.writers,        co.common.engine == EngineKind::io_uring ? co.common.iodepth : 1,
                       co.common.direct, co.block};
  const bool complete = s.error_count == 0 && !r.write.interrupted;
  if (o.common.json) {
    out = ckpt_report_json(co, r, s);
  } else {
    out += fmt::format("dsbench ckpt  {}  writers {}  size {} each  shards {}  block {}  engine {}  {}  {}\n",
                       co.dir, o.writers, iec_bytes(co.size), co.shards, iec_bytes(co.block),
                       engine_name(h.engine), h.direct ? "O_DIRECT" : "buffered",
                       co.fsync ? "fsync" : "no fsync");
    out += fmt::format("written {} in {:.3f}s: {} aggregate\n", iec_bytes(s.bytes), s.seconds(),
                       human_rate(s.per_second(s.bytes)));
    if (complete && co.fsync)
      out += fmt::format("durable after {:.3f}s (slowest writer: {}); fastest writer done at {:.3f}s\n",
                         s.last_done_s, s.last_done_thread, s.first_done_s);
    for (const auto& t : r.write.threads) {
      const double secs = static_cast<double>(t.end_ns - t.start_ns) / 1e9;
      out += fmt::format("  writer {}: {} in {:.3f}s, {}\n", t.thread, iec_bytes(t.bytes), secs,
                         human_rate(secs > 0 ? static_cast<double>(t.bytes) / secs : 0.0));
    }
    out += latency_table(s.lat);
    if (r.verify) {
      const Summary v = summarize(r.verify->threads);
      out += fmt::format("verify: {} files read back in {:.3f}s ({}), {} mismatches\n", v.files, v.seconds(),
                         human_rate(v.per_second(v.bytes)), r.mismatches);
    }
  }
  print_errors(r.write.threads);
  if (r.verify) print_errors(r.verify->threads);
  for (const auto& f : r.files)
    if (r.verify && f.readback != f.xxh3_64)
      error(fmt::format("{}: checksum mismatch after read-back", f.path));
  for (const auto& e : r.cleanup_errors) error(e);
  if (r.disk_full)
    error(fmt::format("{}: disk full after {} bytes written; {}", co.dir, s.bytes,
                      r.removed ? "the checkpoint files were removed" : "the files were kept (--keep)"));
  // A full disk is an output failure (exit 3) whatever the report's fate.
  const int printed = run.print(out, r.write.series);
  return run.exit(r.disk_full ? dskit::app::kExitOutput : printed,
                  s.error_count || r.mismatches || !r.cleanup_errors.empty() ? dskit::app::kExitPartial
                                                                             : dskit::app::kExitOk);
}

}  // namespace

Command add_ckpt(CLI::App& app) {
  auto o = std::make_shared<CkptCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("ckpt", "Concurrent checkpoint writers: bandwidth and time until durable");
  sub->add_option("--dir", o->dir, "Directory the checkpoint files are written in")->required();
  sub->add_option("--writers", o->writers, "Concurrent writers (default 1)")->check(CLI::Range(1u, 4096u));
  sub->add_option("--size", o->size, "Bytes each writer writes, e.g. 2G")->required();
  sub->add_option("--shards", o->shards, "Files per writer (default 1)")->check(CLI::Range(1u, 1u << 20));
  sub->add_option("--block", o->block, "Write size (default 1M)");
  sub->add_flag("--fsync,!--no-fsync", o->fsync, "fsync each file after writing it (default on)");
  sub->add_flag("--verify", o->verify, "Evict the cache and read everything back against XXH3-64 checksums");
  add_common_flags(sub, o->common, false, false);
  return {sub, [o](dskit::Comm& comm) {
            RankGate gate(comm, gate_output(o->common.output));
            return gate.close(run_ckpt_cmd(*o, gate));
          }};
}

}  // namespace dsbench
