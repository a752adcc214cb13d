// dsmanifest verify: compare a manifest with its dataset (size + mtime, or --full content hashes).
#include <unistd.h>

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/common_flags.h"
#include "commands.h"
#include "manifest_cli.h"

namespace dsmanifest {

namespace {

struct VerifyCmdOptions {
  std::string manifest;
  cli::LoadFlags load;
  bool full = false;
  bool json = false;
  unsigned threads = 0;
};

int run_verify(const VerifyCmdOptions& o) {
  using namespace dskit;
  Manifest m;
  if (int rc = cli::load(o.manifest, o.load, m)) return rc;
  if (o.full && m.hash_col() < 0) {
    return cli::usage("verify",
                      o.manifest + ": --full needs a hash column (the manifest was built with --hash none)");
  }
  VerifyOptions vo;
  vo.full = o.full;
  vo.threads = o.threads;
  vo.skip_files = {o.manifest};
  BuildProgress progress;
  VerifyResult r;
  {
    double hash_start = -1;
    app::ProgressLine line([&](double s) { return cli::render_progress(progress, s, hash_start); });
    r = verify_manifest(m, vo, &progress);
  }
  if (!r.setup_error.empty()) {
    cli::error(o.manifest + ": " + r.setup_error);
    return app::kExitUsage;
  }
  for (const auto& e : r.errors) cli::error(describe(e));
  if (r.root_failed) return app::kExitUsage;
  std::string out;
  if (o.json) {
    JsonWriter w(out);
    w.object().field("manifest", o.manifest).field("root", m.root).field("mode", o.full ? "full" : "fast");
    w.field("entries", r.checked)
        .field("ok", r.issues.empty() && r.errors.empty())
        .field("missing", r.missing);
    w.field("changed", r.changed).field("new", r.added).field("unreadable", r.unreadable);
    w.field("walk_errors", r.errors.size()).key("issues").array();
    for (const auto& is : r.issues) {
      w.object().field("kind", kind_name(is.kind));
      cli::json_cell(w, "path", is.path);
      if (!is.detail.empty()) w.field("detail", is.detail);
      w.end_object();
    }
    w.end_array().end_object();
    out += '\n';
  } else {
    for (const auto& is : r.issues) {
      out += kind_name(is.kind);
      out += '\t';
      out += is.path;
      if (!is.detail.empty()) {
        out += '\t';
        out += is.detail;
      }
      out += '\n';
    }
  }
  if (int rc = dskit::app::write_report("dsmanifest", "-", out)) return rc;
  if (!o.json)
    cli::error(fmt::format("verify ({}): {} entries, {} missing, {} changed, {} new{}{}",
                           o.full ? "full" : "fast", r.checked, r.missing, r.changed, r.added,
                           r.unreadable ? fmt::format(", {} unreadable", r.unreadable) : "",
                           r.issues.empty() && r.errors.empty() ? ": OK" : ""));
  return r.issues.empty() && r.errors.empty() ? app::kExitOk : app::kExitPartial;
}

}  // namespace

Command add_verify(CLI::App& app) {
  auto o = std::make_shared<VerifyCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("verify", "Check a dataset against its manifest: missing, changed and new files");
  sub->add_option("manifest", o->manifest, "The manifest ('-': standard input)")->required();
  sub->add_flag("--full", o->full, "Re-hash every file (default: compare size and mtime only)");
  sub->add_flag("--json", o->json, "One JSON report on standard output");
  cli::add_load_flags(sub, o->load);
  dskit::app::add_threads_flag(sub, o->threads, "by filesystem type and cores");
  return {sub, [o] { return run_verify(*o); }};
}

}  // namespace dsmanifest
