// dsmanifest update: bring a manifest up to date, re-hashing only files whose size, mtime or inode changed.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/common_flags.h"
#include "commands.h"
#include "manifest_cli.h"

namespace dsmanifest {

namespace {

struct UpdateCmdOptions {
  std::string manifest;
  std::string out;
  cli::LoadFlags load;
  unsigned threads = 0;
  bool quiet = false;
  bool wait = false;
};

int run_update(const UpdateCmdOptions& o) {
  using namespace dskit;
  const std::string out = o.out.empty() ? (o.manifest == "-" ? "-" : o.manifest) : o.out;
  // An in-place update that changes nothing leaves the file alone (no rewrite, no fsync).
  const bool in_place = out == o.manifest && out != "-" && o.load.root.empty();
  // Locked from before reading to after the rename: a concurrent writer of OUT waits or gives up.
  ManifestLock lock;
  if (int rc = cli::lock_output(out, o.wait, lock)) return rc;
  LoadOptions lo;
  lo.root_override = o.load.root;
  lo.allow_outside_root = o.load.allow_outside_root;
  UpdateOptions uo;
  uo.threads = o.threads;
  uo.skip_if_identical = in_place;
  uo.skip_files = {o.manifest, out};
  if (lock.held()) uo.skip_files.push_back(lock.path());
  BuildProgress progress;
  UpdateResult r;
  std::optional<ManifestError> load_error;
  {
    double hash_start = -1;
    app::ProgressLine line([&](double s) { return cli::render_progress(progress, s, hash_start); });
    r = update_manifest_file(o.manifest, lo, uo, &progress, load_error);
  }
  if (load_error) {
    cli::error(describe(*load_error));
    return app::kExitUsage;
  }
  if (!r.setup_error.empty()) {
    cli::error(o.manifest + ": " + r.setup_error);
    return app::kExitUsage;
  }
  for (const auto& e : r.errors) cli::error(describe(e));
  if (r.root_failed) return app::kExitUsage;
  if (!(in_place && r.identical))
    if (int rc = cli::write_result(write_manifest(r.manifest, out))) return rc;
  if (!o.quiet)
    cli::error(
        fmt::format("update: {} unchanged, {} re-hashed ({} modified), {} added, {} removed, {} hashed; "
                    "{} entries",
                    r.unchanged, r.rehashed, r.modified, r.added, r.removed,
                    cli::human_bytes(static_cast<double>(r.bytes_hashed)),
                    (r.identical ? r.unchanged : r.manifest.size())) +
        (in_place && r.identical ? " (up to date: not rewritten)" : ""));
  if (!r.errors.empty()) {
    cli::error(fmt::format("{} file(s) or directories could not be read and are not in the manifest",
                           r.errors.size()));
    return app::kExitPartial;
  }
  return app::kExitOk;
}

}  // namespace

Command add_update(CLI::App& app) {
  auto o = std::make_shared<UpdateCmdOptions>();
  CLI::App* sub = app.add_subcommand(
      "update", "Bring a manifest up to date: re-hash changed files, add new ones, drop vanished ones");
  sub->add_option("manifest", o->manifest, "The manifest (rewritten in place, atomically, unless -o)")
      ->required();
  dskit::app::add_output_flag(sub, o->out, "Write the result here instead ('-': standard output)");
  cli::add_load_flags(sub, o->load);
  sub->add_flag("-q,--quiet", o->quiet, "No summary line on standard error");
  dskit::app::add_threads_flag(sub, o->threads, "by filesystem type and cores");
  cli::add_wait_flag(sub, o->wait);
  return {sub, [o] { return run_update(*o); }};
}

}  // namespace dsmanifest
