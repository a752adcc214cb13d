// dsmanifest build: walk a dataset, hash its files in parallel, label them, write a manifest.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "cli/common_flags.h"
#include "cli/filter_flags.h"
#include "commands.h"
#include "dskit/base/fstype.h"
#include "manifest_cli.h"

namespace dsmanifest {

namespace {

struct BuildCmdOptions {
  std::string dir;
  std::string out;
  std::string hash = "xxh3-128";
  dskit::app::FilterFlags filter;
  int label_depth = 0;
  std::string label_regex;
  std::string labels_csv;
  bool no_labels = false;
  unsigned threads = 0;
  bool wait = false;
  bool stats = false;
};

int run_build(const BuildCmdOptions& o, dskit::Comm& comm) {
  using namespace dskit;
  BuildOptions bo;
  auto h = parse_hash_name(o.hash);
  if (!h) {
    if (!comm.is_root()) return app::kExitUsage;
    return cli::usage("build", fmt::format("unknown --hash '{}': use xxh3-128, xxh3-64 or none", o.hash));
  }
  bo.hash = *h;
  bo.threads = o.threads;
  bo.skip_files = {o.out};
  if (!o.out.empty() && o.out != "-") bo.skip_files.push_back(manifest_lock_path(o.out));
  bo.sel.names = o.filter.names;
  bo.sel.excludes = o.filter.excludes;
  bo.sel.regex = o.filter.regex;
  bo.sel.no_hidden = o.filter.no_hidden;
  bo.sel.max_depth = o.filter.max_depth;
  bo.sel.follow = o.filter.follow;
  bo.sel.one_file_system = o.filter.one_fs;
  auto& lab = bo.sel.labels;
  if (o.no_labels) {
    lab.mode = LabelOptions::Mode::none;
  } else if (o.label_depth > 0) {
    lab.mode = LabelOptions::Mode::depth;
    lab.depth = o.label_depth;
  } else if (!o.label_regex.empty()) {
    lab.mode = LabelOptions::Mode::regex;
    lab.regex = o.label_regex;
  } else if (!o.labels_csv.empty()) {
    lab.mode = LabelOptions::Mode::csv;
    lab.csv_file = o.labels_csv;
  }

  // One process takes the output's lock before walking (so a refusal comes at once); in an MPI job rank 0
  // takes it once every rank is done, before writing.
  ManifestLock lock;
  if (comm.size() == 1)
    if (int rc = cli::lock_output(o.out, o.wait, lock)) return rc;
  BuildProgress progress;
  BuildResult r;
  const auto t0 = std::chrono::steady_clock::now();
  {
    double hash_start = -1;
    std::optional<app::ProgressLine> line;  // rank 0's share, on rank 0's terminal
    if (comm.is_root()) line.emplace([&](double s) { return cli::render_progress(progress, s, hash_start); });
    r = build_manifest(o.dir, bo, comm, &progress);
  }
  if (o.stats && comm.is_root() && r.setup_error.empty() && !r.root_failed) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cli::error(
        fmt::format("{} files, {} bytes hashed, {} errors, {:.3f} s, filesystem {}, {} walk threads, "
                    "{} hash threads",
                    r.manifest.size(), r.bytes_hashed, r.errors.size(), secs, detect_fs(o.dir).name,
                    r.walk.threads, r.hash_threads));
  }
  // Rank 0 holds the manifest and every rank's errors; the others only agree on failures.
  if (!comm.is_root()) return !r.setup_error.empty() || r.root_failed ? app::kExitUsage : app::kExitOk;
  if (!r.setup_error.empty()) {
    cli::error(r.setup_error);
    return app::kExitUsage;
  }
  for (const auto& e : r.errors) {
    if (r.root_failed && e.err == ENOENT)
      cli::error(dskit::app::describe_input(e));
    else
      cli::error(describe(e));
  }
  if (r.root_failed) return app::kExitUsage;
  if (comm.size() > 1)
    if (int rc = cli::lock_output(o.out, o.wait, lock)) return rc;
  if (int rc = cli::write_result(write_manifest(r.manifest, o.out))) return rc;
  if (!r.errors.empty()) {
    cli::error(
        fmt::format("{} file(s) or directories could not be read; the manifest{} lists the other {} files",
                    r.errors.size(), o.out.empty() || o.out == "-" ? "" : " " + o.out, r.manifest.size()));
    return app::kExitPartial;
  }
  return app::kExitOk;
}

}  // namespace

Command add_build(CLI::App& app) {
  auto o = std::make_shared<BuildCmdOptions>();
  CLI::App* sub = app.add_subcommand("build", "Walk DIR, hash and label its regular files, write a manifest");
  sub->add_option("dir", o->dir, "Dataset root")->required();
  dskit::app::add_output_flag(sub, o->out);
  sub->add_option("--hash", o->hash, "xxh3-128 (default), xxh3-64 or none");
  auto* depth = sub->add_option("--label-depth", o->label_depth,
                                "Label: the directory N levels down (1 is the ImageFolder default)");
  auto* re = sub->add_option("--label-regex", o->label_regex,
                             "Label: capture group 1 of this POSIX ERE searched in the relative path");
  auto* csv = sub->add_option("--labels", o->labels_csv, "Label: looked up in a CSV file of id,label rows");
  auto* none = sub->add_flag("--no-labels", o->no_labels, "No label column");
  depth->excludes(re, csv, none);
  re->excludes(csv, none);
  csv->excludes(none);
  dskit::app::add_filter_flags(sub, o->filter);
  dskit::app::add_threads_flag(sub, o->threads, "by filesystem type and cores");
  sub->add_flag("--stats", o->stats,
                "Print the counts, the time, the filesystem type and the threads used to standard error");
  cli::add_wait_flag(sub, o->wait);
  return {sub, RunRanks([o](dskit::Comm& comm) { return run_build(*o, comm); })};
}

}  // namespace dsmanifest
