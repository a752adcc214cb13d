// dsmanifest diff: what changed between two manifests (added, removed, modified, renamed, relabeled).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.h"
#include "dskit/manifest/diff.h"
#include "manifest_cli.h"

namespace dsmanifest {

namespace {

struct DiffCmdOptions {
  std::string a, b;
  bool json = false;
  bool allow_outside_root = false;
};

int run_diff(const DiffCmdOptions& o) {
  using namespace dskit;
  cli::LoadFlags lf;
  lf.allow_outside_root = o.allow_outside_root;
  Manifest a, b;
  if (int rc = cli::load(o.a, lf, a)) return rc;
  if (int rc = cli::load(o.b, lf, b)) return rc;
  const DiffResult r = diff_manifests(a, b);
  std::string out;
  if (o.json) {
    JsonWriter w(out);
    w.object().field("identical", r.identical()).field("compared_by", r.by_hash ? "hash" : "size_mtime");
    w.field("added", r.added).field("removed", r.removed).field("modified", r.modified);
    w.field("renamed", r.renamed).field("relabeled", r.relabeled).key("changes").array();
    for (const auto& e : r.entries) {
      w.object().field("kind", kind_name(e.kind));
      cli::json_cell(w, "path", e.path);
      if (e.kind == DiffEntry::Kind::renamed) cli::json_cell(w, "old_path", e.old_path);
      if (!e.detail.empty()) w.field("detail", e.detail);
      w.end_object();
    }
    w.end_array().end_object();
    out += '\n';
  } else {
    for (const auto& e : r.entries) {
      out += kind_name(e.kind);
      out += '\t';
      if (e.kind == DiffEntry::Kind::renamed) {
        out += e.old_path;
        out += '\t';
      }
      out += e.path;
      if (!e.detail.empty()) {
        out += '\t';
        out += e.detail;
      }
      out += '\n';
    }
  }
  if (int rc = dskit::app::write_report("dsmanifest", "-", out)) return rc;
  if (!o.json && !r.by_hash)
    cli::error("the manifests do not share a hash algorithm: compared by size and mtime, no renames");
  return r.identical() ? app::kExitOk : app::kExitPartial;
}

}  // namespace

Command add_diff(CLI::App& app) {
  auto o = std::make_shared<DiffCmdOptions>();
  CLI::App* sub = app.add_subcommand("diff", "Differences from manifest A to manifest B (exit 1 when any)");
  sub->add_option("a", o->a, "The old manifest")->required();
  sub->add_option("b", o->b, "The new manifest")->required();
  sub->add_flag("--json", o->json, "One JSON report on standard output");
  sub->add_flag("--allow-outside-root", o->allow_outside_root,
                "Accept entries whose path is absolute or leaves the root with '..'");
  return {sub, [o] { return run_diff(*o); }};
}

}  // namespace dsmanifest
