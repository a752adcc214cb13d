// dsbench randread: random block reads inside a large file or device (--file), like fio --rw=randread.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "bench_cli.h"
#include "cli/tool.h"
#include "commands.h"
#include "dskit/bench/block_read.h"
#include "dskit/bench/report.h"
#include "dskit/format.h"

namespace dsbench {

namespace {

struct RandreadCmdOptions {
  CommonFlags common;
  std::string file;
  std::string block;
  std::string size;
};

int run_file(const RandreadCmdOptions& o) {
  using namespace dskit::bench;
  SignalFlag signals;
  BlockReadOptions bo;
  if (!to_common(o.common, bo.common)) return dskit::app::kExitUsage;
  bo.file = o.file;
  bo.block = 4096;
  if (!size_flag(o.block, "--block", bo.block) || !size_flag(o.size, "--size", bo.size))
    return dskit::app::kExitUsage;
  if (bo.common.duration_s == 0 && bo.common.ops == 0 && bo.common.bytes == 0) bo.common.duration_s = 10;
  bo.common.interrupt = signals.flag();
  Progress progress("randread");
  bo.common.live = progress.live();
  BlockReadResult r;
  const auto err = run_block_read(bo, r);
  for (const auto& w : r.warnings) warn(w);
  if (err) {
    error(err->message);
    return exit_code(*err);
  }
  const Summary s = summarize(r.phase.threads);
  std::string out;
  const ReportHeader h{"randread",        bo.common.engine,
                       bo.common.threads, bo.common.engine == EngineKind::io_uring ? bo.common.iodepth : 1,
                       bo.common.direct,  bo.block};
  if (o.common.json) {
    out += '{';
    append_common_json(out, h, s, "read");
    out += ",\"file\":";
    dskit::append_json_string(out, bo.file);
    out += fmt::format(",\"span_bytes\":{},\"alignment\":{},\"interrupted\":{},", r.span, r.alignment,
                       r.phase.interrupted);
    append_threads_json(out, r.phase.threads);
    out += "}\n";
  } else {
    out += fmt::format("dsbench randread  {}  block {}  engine {}  threads {}  iodepth {}  {}\n", bo.file,
                       bo.block, engine_name(h.engine), h.threads, h.iodepth,
                       h.direct ? "O_DIRECT" : "buffered");
    out += fmt::format("ops {}  bytes {}  seconds {:.3f}  IOPS {:.0f}  {}\n", s.ops, s.bytes, s.seconds(),
                       s.per_second(s.ops), human_rate(s.per_second(s.bytes)));
    out += latency_table(s.lat);
    out += fmt::format("fairness: first thread done at {:.3f}s, last at {:.3f}s\n", s.first_done_s,
                       s.last_done_s);
  }
  for (const auto& t : r.phase.threads)
    for (const auto& e : t.errors) error(dskit::describe(e));
  int rc = print_report(out);
  if (const int trc = write_timeseries(o.common.timeseries, r.phase.series)) rc = trc;
  if (signals.raised()) return signals.exit_code();
  if (rc) return rc;
  return s.error_count ? dskit::app::kExitPartial : dskit::app::kExitOk;
}

}  // namespace

Command add_randread(CLI::App& app) {
  auto o = std::make_shared<RandreadCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("randread", "Random reads: blocks inside a large file, or whole dataset files");
  sub->add_option("--file", o->file, "Read random blocks inside this large file or block device");
  sub->add_option("--block", o->block, "Block size (default 4k)");
  sub->add_option("--size", o->size, "With --file: the span read, from offset 0 (default: the whole file)");
  add_common_flags(sub, o->common, true);
  return {sub, [o] {
            if (o->file.empty()) {
              error("randread: give --file");
              return dskit::app::kExitUsage;
            }
            return run_file(*o);
          }};
}

}  // namespace dsbench
