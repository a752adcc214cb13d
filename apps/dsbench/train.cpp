// dsbench train: how many accelerators can this storage feed? N emulated accelerators read batches of samples
// and "compute" on each for the profile's time; the report is their utilisation (AU). --find-max searches the
// largest N that keeps AU at or above --au.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "bench_cli.h"
#include "cli/tool.h"
#include "commands.h"
#include "dataset_cli.h"
#include "dskit/base/text.h"
#include "dskit/base/units.h"
#include "dskit/bench/ranks.h"
#include "dskit/bench/report.h"
#include "dskit/bench/train.h"
#include "dskit/manifest/manifest.h"
#include "mode.h"
#include "ranks_cli.h"

namespace dsbench {

namespace {

struct TrainCmdOptions {
  CommonFlags common;
  std::string profile = "custom";
  std::string accelerator = "h100";
  unsigned accelerators = 1;
  unsigned prefetch = 2;
  uint64_t batch = 0;
  std::string compute;  // --compute-time: a duration (base/units.h); a bare number is seconds
  std::string sample_size;
  std::string data, prepare;
  uint64_t files = 0;
  unsigned epochs = 1;
  uint64_t steps = 0;
  std::string duration;
  std::string block;
  bool find_max = false;
  double au = 90;
  unsigned max_accelerators = 256;
};

std::string au_json(const std::optional<double>& au) {
  return au ? fmt::format("{:.6f}", *au) : "null";
}
std::string au_text(const std::optional<double>& au) {
  return au ? fmt::format("{:.1f}%", *au * 100) : "n/a";
}

// The workload as resolved from --profile and the overriding flags.
struct Workload {
  std::string model, accelerator;
  uint64_t batch = 1;
  double compute_s = 0;
  uint64_t sample_bytes = 0;  // the profile's (for --prepare); 0 for custom
};

std::string run_text(const TrainCmdOptions& o, const Workload& w, const dskit::bench::TrainOptions& to,
                     const dskit::bench::TrainResult& r, const dskit::bench::Summary& s, uint64_t files,
                     bool prepared) {
  using namespace dskit::bench;
  std::string out = fmt::format(
      "dsbench train  {}  {}{} samples, {}  profile {}{}  batch {}  compute {:.3f}s  accelerators {}  "
      "readers {}  prefetch {}  engine {}  {}\n",
      prepared ? o.prepare : o.data, dataset_format_text(to.pack), files, iec_bytes(r.dataset_bytes), w.model,
      w.model == "custom" ? "" : "/" + w.accelerator, to.batch, to.compute_s, to.accelerators,
      to.common.threads, to.prefetch, engine_name(to.common.engine),
      to.common.direct ? "O_DIRECT" : "buffered");
  out += fmt::format(
      "AU {}  samples {}  samples/s {:.1f}  {}  computing {:.3f}s  waiting for data {:.3f}s  seconds "
      "{:.3f}\n",
      au_text(r.total.au), r.samples, s.per_second(r.samples), human_rate(s.per_second(s.bytes)),
      r.total.compute_s, r.total.wait_s, s.seconds());
  out += fmt::format("{:<12}{:>8}{:>10}{:>9}{:>12}{:>12}{:>12}{:>14}\n", "accelerator", "steps", "samples",
                     "AU", "compute_s", "wait_s", "samples/s", "rate");
  for (const auto& a : r.accelerators)
    out += fmt::format("{:<12}{:>8}{:>10}{:>9}{:>12.3f}{:>12.3f}{:>12.1f}{:>14}\n", a.index, a.steps,
                       a.samples, au_text(a.account.au), a.account.compute_s, a.account.wait_s,
                       s.per_second(a.samples), human_rate(s.per_second(a.bytes)));
  out += "(AU = computing / (computing + waiting), the first step of each accelerator not counted)\n";
  out += latency_table(s.lat);
  return out;
}

std::string feeds_line(const Workload& w, unsigned n) {
  if (w.model == "custom")
    return fmt::format("this storage feeds {} accelerators on this workload from this client", n);
  std::string acc = w.accelerator;
  for (auto& ch : acc) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return fmt::format("this storage feeds {} {}s on {} from this client", n, acc, w.model);
}

int run_train_cmd(const TrainCmdOptions& o, const Workload& w, RankGate& gate) {
  using namespace dskit::bench;
  ModeRun run("train", o.common, gate);
  TrainOptions to;
  if (!run.setup(to.common)) return run.rc();
  if (!duration_flag("train", o.duration, "--duration", to.common.duration_s)) return dskit::app::kExitUsage;
  if (!size_flag("train", o.block, "--block", to.block)) return dskit::app::kExitUsage;
  to.accelerators = o.accelerators;
  to.prefetch = o.prefetch;
  to.batch = w.batch;
  to.compute_s = w.compute_s;
  to.epochs = o.epochs;
  to.steps = o.find_max && o.steps == 0 && to.common.duration_s == 0 ? 10 : o.steps;

  if (gate.mpi() && o.find_max) {
    return usage("train", "--find-max measures one client; run it without mpirun (or with one rank)");
  }
  DatasetSource source;
  if (const int rc = source.open({o.data, o.prepare, o.files,
                                  o.sample_size.empty() ? fmt::format("{}", w.sample_bytes) : o.sample_size,
                                  to.common.seed, std::max(to.common.threads, 2u), o.common.keep, "train"},
                                 gate, run.signals()))
    return rc;
  const std::vector<DatasetFile>& files = source.files;
  const bool prepared = source.prepared();
  to.pack = source.pack.get();
  if (!run.start()) return run.rc();

  std::string out;
  uint64_t error_count = 0;
  std::optional<BenchError> failure;
  auto one_run = [&](unsigned n, TrainResult& r) {
    TrainOptions t = to;
    t.accelerators = n;
    failure = run_train(t, files, r);
    for (const auto& wmsg : r.warnings)
      if (!o.find_max || wmsg.find("AU needs") == std::string::npos) warn(wmsg);
    if (failure) return false;
    for (const auto& th : r.phase.threads) {
      for (const auto& e : th.errors) error(dskit::describe(e));
      error_count += th.error_count;
    }
    return true;
  };

  if (!o.find_max) {
    TrainResult r;
    if (!one_run(to.accelerators, r) && !run.ran({}, failure)) return run.rc();
    const Summary s = summarize(r.phase.threads);
    if (gate.mpi()) {
      RankResult mine = rank_result(s);
      mine.values = {{RankValue::Merge::sum, "accelerators", static_cast<double>(to.accelerators)},
                     {RankValue::Merge::sum, "steps", static_cast<double>(r.total.steps)},
                     {RankValue::Merge::sum, "samples", static_cast<double>(r.samples)},
                     {RankValue::Merge::sum, "compute_s", r.total.compute_s},
                     {RankValue::Merge::sum, "wait_s", r.total.wait_s}};
      return run.finish(mine, [&](const MergedRanks& m, const std::vector<RankResult>& all) {
        RanksReport rr = ranks_header("train", to.common, to.block, "read", o.common.json, o.common.per_rank);
        const double c = m.total.value("compute_s"), wt = m.total.value("wait_s");
        const std::optional<double> au = c + wt > 0 ? std::optional<double>(c / (c + wt)) : std::nullopt;
        const double sps = m.total.seconds > 0 ? m.total.value("samples") / m.total.seconds : 0.0;
        rr.extra_json = fmt::format(
            ",\"profile\":\"{}\",\"accelerator\":\"{}\",\"accelerators_per_rank\":{},\"batch\":{},"
            "\"compute_time_s\":{:.6f},\"prefetch\":{},\"au\":{},\"samples_per_s\":{:.1f}",
            w.model, w.accelerator, to.accelerators, to.batch, to.compute_s, to.prefetch, au_json(au), sps);
        rr.extra_text = fmt::format(
            "{} accelerators ({} per rank)  AU {}  samples {:.0f}  samples/s {:.1f}  computing {:.3f}s  "
            "waiting "
            "for data {:.3f}s\n",
            to.accelerators * all.size(), to.accelerators, au_text(au), m.total.value("samples"), sps, c, wt);
        return ranks_report(rr, m, all);
      });
    }
    out = o.common.json ? train_report_json(to, r, s, prepared ? o.prepare : o.data, w.model, w.accelerator,
                                            files.size(), prepared)
                        : run_text(o, w, to, r, s, files.size(), prepared);
  } else {
    struct Row {
      unsigned n;
      std::optional<double> au;
      double samples_per_s, bytes_per_s, compute_s, wait_s;
    };
    std::vector<Row> rows;
    const MaxSearch found = find_max(o.max_accelerators, o.au / 100.0, [&](unsigned n) -> MaxTrial {
      if (run.signals().raised() || failure) return {};
      TrainResult r;
      if (!one_run(n, r) || r.phase.interrupted) return {};
      const Summary s = summarize(r.phase.threads);
      rows.push_back(
          {n, r.total.au, s.per_second(r.samples), s.per_second(s.bytes), r.total.compute_s, r.total.wait_s});
      if (!o.common.json)
        fmt::print(stderr, "dsbench: train --find-max: {} accelerators: AU {}\n", n, au_text(r.total.au));
      return {n, r.total.au};
    });
    if (!run.ran({}, failure)) return run.rc();
    if (o.common.json) {
      out = fmt::format(
          "{{\"mode\":\"train\",\"find_max\":true,\"profile\":\"{}\",\"accelerator\":\"{}\",\"batch\":{},"
          "\"compute_time_s\":{:.6f},\"target_au\":{:.6f},\"readers_per_accelerator\":{},\"prefetch\":{},"
          "\"steps\":{},\"direct\":{},\"engine\":\"{}\",\"dataset_files\":{},\"max_accelerators\":{},"
          "\"trials\":[",
          w.model, w.accelerator, to.batch, to.compute_s, o.au / 100.0, to.common.threads, to.prefetch,
          to.steps, to.common.direct, engine_name(to.common.engine), files.size(), found.max_accelerators);
      for (std::size_t i = 0; i < rows.size(); ++i)
        out += fmt::format(
            "{}{{\"accelerators\":{},\"au\":{},\"samples_per_s\":{:.1f},\"bandwidth_bytes_per_s\":{:.1f},"
            "\"compute_s\":{:.6f},\"wait_s\":{:.6f}}}",
            i ? "," : "", rows[i].n, au_json(rows[i].au), rows[i].samples_per_s, rows[i].bytes_per_s,
            rows[i].compute_s, rows[i].wait_s);
      out += "]}\n";
    } else {
      out = fmt::format("{:<14}{:>9}{:>12}{:>14}\n", "accelerators", "AU", "samples/s", "rate");
      for (const auto& row : rows)
        out += fmt::format("{:<14}{:>9}{:>12.1f}{:>14}\n", row.n, au_text(row.au), row.samples_per_s,
                           human_rate(row.bytes_per_s));
      out += feeds_line(w, found.max_accelerators) + fmt::format(" (AU >= {:g}%)\n", o.au);
    }
  }
  return run.exit(print_report(o.common.output, out),
                  error_count ? dskit::app::kExitPartial : dskit::app::kExitOk);
}

int check_and_run(const TrainCmdOptions& o, RankGate& gate) {
  if (o.data.empty() == o.prepare.empty()) {
    return usage("train", "give exactly one of --data and --prepare");
  }
  if (!o.prepare.empty() && o.files == 0) {
    return usage("train", "--prepare: give --files N");
  }
  Workload w;
  w.model = o.profile;
  w.accelerator = o.accelerator;
  if (o.profile != "custom") {
    const auto p = dskit::bench::find_train_profile(o.profile, o.accelerator);
    w.batch = p->batch;
    w.compute_s = p->compute_s;
    w.sample_bytes = p->sample_bytes;
  } else if (o.compute.empty()) {
    return usage("train", "--profile custom: give --compute-time SECONDS (and --batch N)");
  }
  if (o.batch) w.batch = o.batch;
  if (!o.compute.empty()) {
    int64_t ns = 0;
    if (auto err = dskit::parse_duration(o.compute, ns)) {
      return usage("train", "--compute-time: " + *err);
    }
    if (ns > int64_t{3600} * 1000000000) {
      return usage("train", "--compute-time: at most 1h");
    }
    w.compute_s = static_cast<double>(ns) / 1e9;
  }
  if (!o.prepare.empty() && o.profile == "custom" && o.sample_size.empty()) {
    return usage("train", "--prepare --profile custom: give --sample-size SIZE");
  }
  return run_train_cmd(o, w, gate);
}

}  // namespace

Command add_train(CLI::App& app) {
  auto o = std::make_shared<TrainCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("train", "Emulated accelerators fed from a dataset: accelerator utilisation");
  add_dataset_flags(sub, o->data, o->prepare, o->files,
                    {"Samples to read", "train on it", "how many sample files"});
  sub->add_option(
      "--sample-size", o->sample_size,
      "With --prepare: sample sizes (default: the profile's), e.g. 110k, uniform:64k-1M, manifest:PATH");
  sub->add_option("--profile", o->profile, "Workload: resnet50, unet3d, cosmoflow, or custom (default)")
      ->check(CLI::IsMember({"resnet50", "unet3d", "cosmoflow", "custom"}));
  sub->add_option("--accelerator", o->accelerator,
                  "Accelerator type of the profile: a100 or h100 (default h100)")
      ->check(CLI::IsMember({"a100", "h100"}));
  sub->add_option("--accelerators", o->accelerators, "Emulated accelerators (default 1)")
      ->check(CLI::Range(1u, 4096u));
  sub->add_option("--prefetch", o->prefetch, "Batches each accelerator's readers keep ahead (default 2)")
      ->check(CLI::Range(1u, 1024u));
  sub->add_option("--batch", o->batch, "Samples per batch (overrides the profile's)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 24));
  sub->add_option(
      "--compute-time", o->compute,
      "Emulated compute per batch: seconds, or 250ms, 1.5s (overrides the profile's; at most 1h)");
  sub->add_option("--epochs", o->epochs, "Passes over the dataset, shared by all accelerators (default 1)")
      ->check(CLI::Range(1u, 1000000u));
  sub->add_option("--steps", o->steps, "Steps per accelerator (instead of --epochs; 10 with --find-max)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  sub->add_option("--duration", o->duration, "Stop after this long (seconds, or 500ms, 2m, 1h)");
  sub->add_option("--block", o->block, "Read request size (default 1M)");
  sub->add_flag("--find-max", o->find_max, "Search the largest number of accelerators with AU >= --au");
  sub->add_option("--au", o->au, "AU target of --find-max, in percent (default 90)")
      ->check(CLI::Range(1.0, 100.0));
  sub->add_option("--max-accelerators", o->max_accelerators, "Upper bound of --find-max (default 256)")
      ->check(CLI::Range(1u, 4096u));
  add_common_flags(sub, o->common, false);
  return {sub, [o](dskit::Comm& comm) {
            RankGate gate(comm, gate_output(o->common.output));
            return gate.close(check_and_run(*o, gate));
          }};
}

}  // namespace dsbench
