// dsmanifest stats: entries, bytes, size percentiles, labels and duplicate contents of a manifest.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.h"
#include "dskit/manifest/repeat.h"
#include "dskit/manifest/stats.h"
#include "manifest_cli.h"

namespace dsmanifest {

namespace {

struct StatsCmdOptions {
  std::string manifest;
  bool json = false;
  std::size_t max_dups = 10;
  bool allow_outside_root = false;
};

int run_stats(const StatsCmdOptions& o) {
  using namespace dskit;
  cli::LoadFlags lf;
  lf.allow_outside_root = o.allow_outside_root;
  Manifest m;
  if (int rc = cli::load(o.manifest, lf, m)) return rc;
  const ManifestStats s = manifest_stats(m);
  RepeatCounts repeat;  // samples after the repeat column (dsbalance --resample)
  RowWeights weights;   // the weight column (dsbalance --sample-weights)
  if (auto err = read_repeat_counts(m, o.manifest, repeat);
      err || (err = read_row_weights(m, o.manifest, repeat, weights))) {
    cli::error(describe(*err));
    return dskit::app::kExitUsage;
  }
  std::string out;
  if (o.json) {
    JsonWriter w(out);
    w.object().field("root", m.root).field("hash", hash_name(m.hash)).field("entries", s.entries);
    if (repeat.present()) w.field("samples", repeat.total);
    if (weights.present)
      w.key("weight").object().field("total", weights.total).field("zero_rows", weights.zero).end_object();
    w.field("bytes", s.bytes).key("mean_size").fixed(s.mean_size, 1).key("size_percentiles").object();
    for (const auto& [p, v] : s.size_percentiles) w.field(fmt::format("p{}", p), v);
    w.end_object().key("labels");
    if (!s.has_labels) {
      w.null();
    } else {
      w.array();
      for (const auto& [label, count] : s.labels) {
        w.object();
        cli::json_cell(w, "label", label);
        w.field("count", count).end_object();
      }
      w.end_array();
    }
    w.field("duplicate_groups", s.duplicates.size()).field("duplicate_files", s.duplicate_files);
    w.field("duplicate_bytes", s.duplicate_bytes).key("duplicates").array();
    for (const auto& d : s.duplicates) {
      w.object().field("hash", d.hash).field("size", d.size).key("paths").array();
      for (const auto& path : d.paths) w.value(unescape_field(path));
      w.end_array().end_object();
    }
    w.end_array().end_object();
    out += '\n';
  } else {
    out += fmt::format("root\t{}\nhash\t{}\nentries\t{}\nbytes\t{} ({})\n", escape_field(m.root),
                       hash_name(m.hash), s.entries, s.bytes, cli::human_bytes(static_cast<double>(s.bytes)));
    if (repeat.present()) out += fmt::format("samples\t{} (repeat column)\n", repeat.total);
    if (weights.present)
      out += fmt::format("weight\t{:.6g} over the samples, {} rows at 0 (weight column)\n", weights.total,
                         weights.zero);
    if (s.entries) {
      out += fmt::format("mean size\t{:.1f}\n", s.mean_size);
      out += "size percentiles";
      for (const auto& [p, v] : s.size_percentiles) out += fmt::format("\tp{}={}", p, v);
      out += '\n';
    }
    if (s.has_labels) {
      out += fmt::format("labels\t{}\n", s.labels.size());
      for (const auto& [l, n] : s.labels)
        out += fmt::format("  {}\t{}\t{:.1f}%\n", l.empty() ? "(none)" : l, n,
                           100.0 * static_cast<double>(n) / static_cast<double>(s.entries));
    }
    if (s.has_hash) {
      out += fmt::format("duplicates\t{} groups, {} extra files, {} ({} bytes)\n", s.duplicates.size(),
                         s.duplicate_files, cli::human_bytes(static_cast<double>(s.duplicate_bytes)),
                         s.duplicate_bytes);
      for (std::size_t i = 0; i < s.duplicates.size() && i < o.max_dups; ++i) {
        const auto& d = s.duplicates[i];
        out += fmt::format("  {}\t{} bytes\t{} copies\n", d.hash, d.size, d.paths.size());
        for (const auto& p : d.paths) out += fmt::format("    {}\n", p);
      }
      if (s.duplicates.size() > o.max_dups)
        out += fmt::format("  ... {} more groups (--max-duplicates, or --json for all)\n",
                           s.duplicates.size() - o.max_dups);
    }
  }
  return dskit::app::write_report("dsmanifest", "-", out);
}

}  // namespace

Command add_stats(CLI::App& app) {
  auto o = std::make_shared<StatsCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("stats", "Entries, bytes, size percentiles, labels and duplicate contents");
  sub->add_option("manifest", o->manifest, "The manifest ('-': standard input)")->required();
  sub->add_flag("--json", o->json, "One JSON document (every duplicate group)");
  sub->add_option("--max-duplicates", o->max_dups, "Duplicate groups to list in text mode (default 10)");
  sub->add_flag("--allow-outside-root", o->allow_outside_root,
                "Accept entries whose path is absolute or leaves the root with '..'");
  return {sub, [o] { return run_stats(*o); }};
}

}  // namespace dsmanifest
