// dsmanifest verify: compare a manifest with its dataset (size + mtime, or --full content hashes).
#include <unistd.h>

#include <fmt/format.h>

#include <memory>
#include <string>

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
    cli::error(o.manifest + ": --full needs a hash column (the manifest was built with --hash none)");
    return app::kExitUsage;
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
    out += fmt::format("{{\"manifest\":");
    append_json_string(out, o.manifest);
    out += ",\"root\":";
    append_json_string(out, m.root);
    out += fmt::format(
        ",\"mode\":\"{}\",\"entries\":{},\"ok\":{},\"missing\":{},\"changed\":{},\"new\":{},"
        "\"unreadable\":{},\"walk_errors\":{},\"issues\":[",
        o.full ? "full" : "fast", r.checked, r.issues.empty() && r.errors.empty(), r.missing, r.changed,
        r.added, r.unreadable, r.errors.size());
    for (std::size_t i = 0; i < r.issues.size(); ++i) {
      const auto& is = r.issues[i];
      if (i) out += ',';
      out += "{\"kind\":\"";
      out += kind_name(is.kind);
      out += "\",";
      cli::append_json_cell(out, "path", is.path);
      if (!is.detail.empty()) {
        out += ",\"detail\":";
        append_json_string(out, is.detail);
      }
      out += '}';
    }
    out += "]}\n";
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
  sub->add_option("-j,--threads", o->threads, "Worker threads (default: by filesystem type and cores)");
  return {sub, [o] { return run_verify(*o); }};
}

}  // namespace dsmanifest
