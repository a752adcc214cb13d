// dsbench randread: random block reads inside a large file or device (--file), like fio --rw=randread; or
// whole dataset files in a seeded random order (--data, or a synthetic set made with --prepare).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "bench_cli.h"
#include "cli/tool.h"
#include "commands.h"
#include "dataset_cli.h"
#include "dskit/base/text.h"
#include "dskit/bench/block_read.h"
#include "dskit/bench/dataset_read.h"
#include "dskit/bench/ranks.h"
#include "dskit/bench/report.h"
#include "dskit/manifest/manifest.h"
#include "ranks_cli.h"

namespace dsbench {

namespace {

struct RandreadCmdOptions {
  CommonFlags common;
  std::string file;
  std::string block;
  std::string size;
  std::string data;
  std::string prepare;
  uint64_t files = 0;
  unsigned epochs = 1;
  std::string trace;
};

std::string trace_text(const std::vector<dskit::bench::TraceEntry>& trace,
                       const std::vector<dskit::bench::DatasetFile>& files) {
  std::string out = "epoch\tposition\tpath\n";
  for (const auto& t : trace) out += fmt::format("{}\t{}\t{}\n", t.epoch, t.position, files[t.file].path);
  return out;
}

int run_data(const RandreadCmdOptions& o, RankGate& gate) {
  using namespace dskit::bench;
  SignalFlag signals;
  DatasetReadOptions dro;
  if (!to_common(o.common, dro.common)) return dskit::app::kExitUsage;
  if (int rc = 0; !settle_engine(dro.common, rc)) return rc;
  if (!size_flag(o.block, "--block", dro.block)) return dskit::app::kExitUsage;
  dro.epochs = o.epochs;
  dro.trace = !o.trace.empty();
  dro.common.interrupt = signals.flag();
  Progress progress("randread");
  dro.common.live = progress.live();
  if (gate.mpi() && (!o.trace.empty() || !o.common.timeseries.empty())) {
    error("randread: --trace and --timeseries are for one process, not under MPI");
    return dskit::app::kExitUsage;
  }
  DatasetSource source;
  if (const int rc = source.open(
          {o.data, o.prepare, o.files, o.size, dro.common.seed, dro.common.threads, o.common.keep}, gate,
          signals))
    return rc;
  const std::vector<DatasetFile>& files = source.files;
  const bool prepared = source.prepared();
  rank_budgets(dro.common, gate);
  if (!gate.start()) return gate.code();
  DatasetReadResult r;
  const auto err = run_dataset_read(dro, files, r);
  for (const auto& w : r.warnings) warn(w);
  if (err) {
    error(err->message);
    return exit_code(*err);
  }
  const Summary s = summarize(r.phase.threads);
  if (gate.mpi()) {
    print_errors(r.phase.threads);
    RankResult mine = rank_result(s);
    mine.values = {{RankValue::Merge::sum, "dataset_files", static_cast<double>(files.size())},
                   {RankValue::Merge::sum, "dataset_bytes", static_cast<double>(r.dataset_bytes)}};
    const int rc = gate.finish(mine, [&](const MergedRanks& m, const std::vector<RankResult>& all) {
      RanksReport rr =
          ranks_header("randread", dro.common, dro.block, "file", o.common.json, o.common.per_rank);
      const double fps = m.total.seconds > 0 ? static_cast<double>(m.total.files) / m.total.seconds : 0.0;
      rr.extra_json = fmt::format(",\"epochs\":{},\"files_per_s\":{:.1f}", dro.epochs, fps);
      rr.extra_text =
          fmt::format("dataset {} files, {} bytes over all ranks  epochs {}  files/s {:.1f}\n",
                      m.total.value("dataset_files"), m.total.value("dataset_bytes"), dro.epochs, fps);
      return ranks_report(rr, m, all);
    });
    return signals.raised() ? signals.exit_code() : rc;
  }
  const ReportHeader h{"randread",         dro.common.engine,
                       dro.common.threads, dro.common.engine == EngineKind::io_uring ? dro.common.iodepth : 1,
                       dro.common.direct,  dro.block};
  std::string out;
  if (o.common.json) {
    out += '{';
    append_common_json(out, h, s, "file");
    out += ",\"data\":";
    dskit::append_json_string(out, prepared ? o.prepare : o.data);
    out += fmt::format(
        ",\"prepared\":{},\"dataset_files\":{},\"dataset_bytes\":{},\"epochs\":{},\"files\":{},"
        "\"files_per_s\":{:.1f},\"alignment\":{},\"interrupted\":{},\"latencies\":{{",
        prepared, files.size(), r.dataset_bytes, dro.epochs, s.files, s.per_second(s.files), r.alignment,
        r.phase.interrupted);
    bool first = true;
    for (const auto& [name, hist] : s.lat.named) {
      out += fmt::format("{}\"{}\":", first ? "" : ",", name);
      append_latency_json(out, hist);
      first = false;
    }
    out += "},";
    append_threads_json(out, r.phase.threads);
    out += "}\n";
  } else {
    out += fmt::format(
        "dsbench randread  {}  {} files, {} bytes  epochs {}  block {}  engine {}  threads {}  iodepth {}  "
        "{}\n",
        prepared ? o.prepare : o.data, files.size(), r.dataset_bytes, dro.epochs, dro.block,
        engine_name(h.engine), h.threads, h.iodepth, h.direct ? "O_DIRECT" : "buffered");
    out +=
        fmt::format("files {}  files/s {:.1f}  read requests {}  IOPS {:.0f}  bytes {}  {}  seconds {:.3f}\n",
                    s.files, s.per_second(s.files), s.ops, s.per_second(s.ops), s.bytes,
                    human_rate(s.per_second(s.bytes)), s.seconds());
    out += latency_table(s.lat);
    out += fairness_line(s);
  }
  print_errors(r.phase.threads);
  int rc = print_report(out);
  if (const int trc = write_timeseries(o.common.timeseries, r.phase.series)) rc = trc;
  if (!o.trace.empty())
    if (auto terr = dskit::write_file_atomic(o.trace, trace_text(r.trace, files))) {
      error(dskit::describe(*terr));
      rc = dskit::app::kExitOutput;
    }
  if (signals.raised()) return signals.exit_code();
  if (rc) return rc;
  return s.error_count ? dskit::app::kExitPartial : dskit::app::kExitOk;
}

int run_file(const RandreadCmdOptions& o, RankGate& gate) {
  using namespace dskit::bench;
  SignalFlag signals;
  BlockReadOptions bo;
  if (!to_common(o.common, bo.common)) return dskit::app::kExitUsage;
  if (int rc = 0; !settle_engine(bo.common, rc)) return rc;
  bo.file = o.file;
  bo.block = 4096;
  if (!size_flag(o.block, "--block", bo.block) || !size_flag(o.size, "--size", bo.size))
    return dskit::app::kExitUsage;
  if (bo.common.duration_s == 0 && bo.common.ops == 0 && bo.common.bytes == 0) bo.common.duration_s = 10;
  bo.common.interrupt = signals.flag();
  if (gate.mpi()) {
    if (!o.common.timeseries.empty()) {
      error("randread: --timeseries is for one process, not under MPI");
      return dskit::app::kExitUsage;
    }
    bo.common.seed += static_cast<unsigned>(gate.rank());  // each rank its own offsets
  }
  rank_budgets(bo.common, gate);
  Progress progress("randread");
  bo.common.live = progress.live();
  if (!gate.start()) return gate.code();
  BlockReadResult r;
  const auto err = run_block_read(bo, r);
  for (const auto& w : r.warnings) warn(w);
  if (err) {
    error(err->message);
    return exit_code(*err);
  }
  const Summary s = summarize(r.phase.threads);
  if (gate.mpi()) {
    print_errors(r.phase.threads);
    const int rc = gate.finish(rank_result(s), [&](const MergedRanks& m, const std::vector<RankResult>& all) {
      RanksReport rr =
          ranks_header("randread", bo.common, bo.block, "read", o.common.json, o.common.per_rank);
      rr.extra_json = ",\"file\":";
      dskit::append_json_string(rr.extra_json, bo.file);
      rr.extra_text = fmt::format("file {}\n", bo.file);
      return ranks_report(rr, m, all);
    });
    return signals.raised() ? signals.exit_code() : rc;
  }
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
    out += fairness_line(s);
  }
  print_errors(r.phase.threads);
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
  sub->add_option("--data", o->data, "Read whole files: a manifest, a file list, or a directory");
  sub->add_option("--prepare", o->prepare,
                  "Create a synthetic dataset in this directory, read it, remove it");
  sub->add_option("--files", o->files, "With --prepare: how many files")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  sub->add_option(
      "--size", o->size,
      "--file: the span read from offset 0 (default: all); --prepare: file sizes, e.g. 64k, uniform:4k-1M, "
      "manifest:PATH");
  sub->add_option("--block", o->block,
                  "Read request size (default 4k with --file, 1M with --data/--prepare)");
  sub->add_option("--epochs", o->epochs, "Passes over the dataset, each in its own order (default 1)")
      ->check(CLI::Range(1u, 1000000u));
  sub->add_option("--trace", o->trace, "Write the (epoch, position, path) of every file read to this file");
  add_common_flags(sub, o->common, true);
  return {sub, [o](dskit::Comm& comm) {
            RankGate gate(comm);
            const int given = !o->file.empty() + !o->data.empty() + !o->prepare.empty();
            if (given != 1) {
              error("randread: give exactly one of --file, --data and --prepare");
              return gate.close(dskit::app::kExitUsage);
            }
            if (!o->prepare.empty() && (o->files == 0 || o->size.empty())) {
              error("randread --prepare: give --files N and --size DIST");
              return gate.close(dskit::app::kExitUsage);
            }
            return gate.close(o->file.empty() ? run_data(*o, gate) : run_file(*o, gate));
          }};
}

}  // namespace dsbench
