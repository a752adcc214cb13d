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
#include "mode.h"
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
  ModeRun run("randread", o.common, gate);
  DatasetReadOptions dro;
  if (!run.setup(dro.common)) return run.rc();
  if (!size_flag("randread", o.block, "--block", dro.block)) return dskit::app::kExitUsage;
  dro.epochs = o.epochs;
  dro.trace = !o.trace.empty();
  if (!run.mpi_refuses(!o.trace.empty() || !o.common.timeseries.empty(), "--trace and --timeseries are"))
    return run.rc();
  DatasetSource source;
  if (const int rc = source.open({o.data, o.prepare, o.files, o.size, dro.common.seed, dro.common.threads,
                                  o.common.keep, "randread"},
                                 gate, run.signals()))
    return rc;
  const std::vector<DatasetFile>& files = source.files;
  const bool prepared = source.prepared();
  dro.pack = source.pack.get();
  rank_budgets(dro.common, gate);
  if (!run.start()) return run.rc();
  DatasetReadResult r;
  if (!run.ran(r.warnings, run_dataset_read(dro, files, r))) return run.rc();
  const Summary s = summarize(r.phase.threads);
  if (gate.mpi()) {
    print_errors(r.phase.threads);
    RankResult mine = rank_result(s);
    mine.values = {{RankValue::Merge::sum, "dataset_files", static_cast<double>(files.size())},
                   {RankValue::Merge::sum, "dataset_bytes", static_cast<double>(r.dataset_bytes)}};
    return run.finish(mine, [&](const MergedRanks& m, const std::vector<RankResult>& all) {
      RanksReport rr =
          ranks_header("randread", dro.common, dro.block, "file", o.common.json, o.common.per_rank);
      const double fps = m.total.seconds > 0 ? static_cast<double>(m.total.files) / m.total.seconds : 0.0;
      rr.extra_json = fmt::format(",\"epochs\":{},\"files_per_s\":{:.1f}", dro.epochs, fps);
      rr.extra_text =
          fmt::format("dataset {} files, {} bytes over all ranks  epochs {}  files/s {:.1f}\n",
                      m.total.value("dataset_files"), m.total.value("dataset_bytes"), dro.epochs, fps);
      return ranks_report(rr, m, all);
    });
  }
  const ReportHeader h{"randread",         dro.common.engine,
                       dro.common.threads, dro.common.engine == EngineKind::io_uring ? dro.common.iodepth : 1,
                       dro.common.direct,  dro.block};
  std::string out;
  if (o.common.json) {
    out = dataset_read_report_json(dro, r, s, prepared ? o.prepare : o.data, prepared, files.size());
  } else {
    const char* unit = dro.pack ? "samples" : "files";  // a pack's samples are read as its files
    out += fmt::format(
        "dsbench randread  {}  {}{} {}, {}  epochs {}  block {}  engine {}  threads {}  iodepth {}  {}\n",
        prepared ? o.prepare : o.data, dataset_format_text(dro.pack), files.size(), unit,
        iec_bytes(r.dataset_bytes), dro.epochs, iec_bytes(dro.block), engine_name(h.engine), h.threads,
        h.iodepth, h.direct ? "O_DIRECT" : "buffered");
    out += fmt::format("{} {}  {}/s {:.1f}  read requests {}  IOPS {:.0f}  bytes {}  {}  seconds {:.3f}\n",
                       unit, s.files, unit, s.per_second(s.files), s.ops, s.per_second(s.ops),
                       iec_bytes(s.bytes), human_rate(s.per_second(s.bytes)), s.seconds());
    out += latency_table(s.lat);
    out += fairness_line(s);
  }
  print_errors(r.phase.threads);
  int rc = run.print(out, r.phase.series);
  if (!o.trace.empty())
    if (auto terr = dskit::write_file_atomic(o.trace, trace_text(r.trace, files))) {
      error(dskit::describe(*terr));
      rc = dskit::app::kExitOutput;
    }
  return run.exit(rc, s.error_count ? dskit::app::kExitPartial : dskit::app::kExitOk);
}

int run_file(const RandreadCmdOptions& o, RankGate& gate) {
  using namespace dskit::bench;
  ModeRun run("randread", o.common, gate);
  BlockReadOptions bo;
  if (!run.setup(bo.common)) return run.rc();
  bo.file = o.file;
  bo.block = 4096;
  if (!size_flag("randread", o.block, "--block", bo.block) ||
      !size_flag("randread", o.size, "--size", bo.size))
    return dskit::app::kExitUsage;
  if (bo.common.duration_s == 0 && bo.common.ops == 0 && bo.common.bytes == 0) bo.common.duration_s = 10;
  if (!run.mpi_refuses(!o.common.timeseries.empty(), "--timeseries is")) return run.rc();
  if (gate.mpi()) bo.common.seed += static_cast<unsigned>(gate.rank());  // each rank its own offsets
  rank_budgets(bo.common, gate);
  if (!run.start()) return run.rc();
  BlockReadResult r;
  if (!run.ran(r.warnings, run_block_read(bo, r))) return run.rc();
  const Summary s = summarize(r.phase.threads);
  if (gate.mpi()) {
    print_errors(r.phase.threads);
    return run.finish(rank_result(s), [&](const MergedRanks& m, const std::vector<RankResult>& all) {
      RanksReport rr =
          ranks_header("randread", bo.common, bo.block, "read", o.common.json, o.common.per_rank);
      rr.extra_json = ",\"file\":";
      dskit::append_json_string(rr.extra_json, bo.file);
      rr.extra_text = fmt::format("file {}\n", bo.file);
      return ranks_report(rr, m, all);
    });
  }
  const std::string out = block_read_report(bo, r, s, o.common.json);
  print_errors(r.phase.threads);
  return run.exit(run.print(out, r.phase.series),
                  s.error_count ? dskit::app::kExitPartial : dskit::app::kExitOk);
}

}  // namespace

Command add_randread(CLI::App& app) {
  auto o = std::make_shared<RandreadCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("randread", "Random reads: blocks inside a large file, or whole dataset files");
  sub->add_option("--file", o->file, "Read random blocks inside this large file or block device");
  add_dataset_flags(sub, o->data, o->prepare, o->files, {"Read whole files", "read it", "how many files"});
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
            RankGate gate(comm, gate_output(o->common.output));
            const int given = !o->file.empty() + !o->data.empty() + !o->prepare.empty();
            if (given != 1)
              return gate.close(usage("randread", "give exactly one of --file, --data and --prepare"));
            if (!o->prepare.empty() && (o->files == 0 || o->size.empty()))
              return gate.close(usage("randread", "--prepare: give --files N and --size DIST"));
            return gate.close(o->file.empty() ? run_data(*o, gate) : run_file(*o, gate));
          }};
}

}  // namespace dsbench
