// dsmanifest stats: entries, bytes, size percentiles, labels and duplicate contents of a manifest.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.h"
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
  std::string out;
  if (o.json) {
    out += "{\"root\":";
    append_json_string(out, m.root);
    out += fmt::format(
        ",\"hash\":\"{}\",\"entries\":{},\"bytes\":{},\"mean_size\":{:.1f},\"size_percentiles\":{{",
        hash_name(m.hash), s.entries, s.bytes, s.mean_size);
    for (std::size_t i = 0; i < s.size_percentiles.size(); ++i)
      out += fmt::format("{}\"p{}\":{}", i ? "," : "", s.size_percentiles[i].first,
                         s.size_percentiles[i].second);
    out += "},\"labels\":";
    if (!s.has_labels) {
      out += "null";
    } else {
      out += '[';
      for (std::size_t i = 0; i < s.labels.size(); ++i) {
        if (i) out += ',';
        out += '{';
        cli::append_json_cell(out, "label", s.labels[i].first);
        out += fmt::format(",\"count\":{}}}", s.labels[i].second);
      }
      out += ']';
    }
    out +=
        fmt::format(",\"duplicate_groups\":{},\"duplicate_files\":{},\"duplicate_bytes\":{},\"duplicates\":[",
                    s.duplicates.size(), s.duplicate_files, s.duplicate_bytes);
    for (std::size_t i = 0; i < s.duplicates.size(); ++i) {
      const auto& d = s.duplicates[i];
      out += fmt::format("{}{{\"hash\":\"{}\",\"size\":{},\"paths\":[", i ? "," : "", d.hash, d.size);
      for (std::size_t k = 0; k < d.paths.size(); ++k) {
        if (k) out += ',';
        append_json_string(out, unescape_field(d.paths[k]));
      }
      out += "]}";
    }
    out += "]}\n";
  } else {
    out += fmt::format("root\t{}\nhash\t{}\nentries\t{}\nbytes\t{} ({})\n", escape_field(m.root),
                       hash_name(m.hash), s.entries, s.bytes, cli::human_bytes(static_cast<double>(s.bytes)));
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
