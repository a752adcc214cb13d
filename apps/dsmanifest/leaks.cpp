// dsmanifest leaks: content (same hash) shared across the splits of a split manifest (dsmanifest split).
// Exit 0 when there is none, kExitPartial (1, "differences found") when there is some.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/common_flags.h"
#include "commands.h"
#include "dskit/manifest/leaks.h"
#include "manifest_cli.h"

namespace dsmanifest {

namespace {

struct LeaksCmdOptions {
  std::string manifest;
  std::string column = "split";
  std::string out = "-";
  bool json = false;
  cli::LoadFlags load;
};

std::string split_list(const dskit::LeakGroup& g) {
  std::string s;
  for (const auto& n : g.splits) s += (s.empty() ? "" : ",") + n;
  return s;
}

int run_leaks(const LeaksCmdOptions& o) {
  using namespace dskit;
  Manifest m;
  if (int rc = cli::load(o.manifest, o.load, m)) return rc;
  LeakReport r;
  if (auto err = find_leaks(m, o.column, r)) {
    return cli::usage("leaks", o.manifest + ": " + *err);
  }
  std::string out;
  if (o.json) {
    JsonWriter w(out);
    w.object().field("column", o.column).field("leaked_contents", r.groups.size());
    w.field("leaked_files", r.leaked_files).key("leaks").array();
    for (const auto& g : r.groups) {
      w.object().field("hash", g.hash).key("splits").array();
      for (const auto& s : g.splits) w.value(unescape_field(s));
      w.end_array().key("files").array();
      for (std::size_t row : g.rows) {
        w.object();
        cli::json_cell(w, "split", m.cell(row, static_cast<std::size_t>(m.find_column(o.column))));
        cli::json_cell(w, "path", m.path_escaped(row));
        w.end_object();
      }
      w.end_array().end_object();
    }
    w.end_array().end_object();
    out += '\n';
  } else {
    const auto col = static_cast<std::size_t>(m.find_column(o.column));
    for (const auto& g : r.groups) {
      out += fmt::format("{}\t{}\n", g.hash, split_list(g));
      for (std::size_t row : g.rows) out += fmt::format("  {}\t{}\n", m.cell(row, col), m.path_escaped(row));
    }
    out += fmt::format("leaks\t{} contents in several splits, {} files\n", r.groups.size(), r.leaked_files);
  }
  if (int rc = app::write_report("dsmanifest", o.out, out)) return rc;
  return r.groups.empty() ? app::kExitOk : app::kExitPartial;
}

}  // namespace

Command add_leaks(CLI::App& app) {
  auto o = std::make_shared<LeaksCmdOptions>();
  CLI::App* sub = app.add_subcommand("leaks", "Content (same hash) in more than one split; exit 1 if any");
  sub->add_option("manifest", o->manifest, "A split manifest with hashes ('-': standard input)")->required();
  sub->add_option("--column", o->column, "The column holding the split (default split)");
  sub->add_flag("--json", o->json, "One JSON document");
  dskit::app::add_output_flag(sub, o->out, "Write the report here (atomically) instead of standard output");
  cli::add_load_flags(sub, o->load);
  return {sub, [o] { return run_leaks(*o); }};
}

}  // namespace dsmanifest
