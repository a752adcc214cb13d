// dsmanifest split: train/val/test assignment by a hash of a group key (docs/shuffle.md).
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/common_flags.h"
#include "commands.h"
#include "dskit/order/split.h"
#include "order_common.h"

namespace dsmanifest {

namespace {

struct SplitCmdOptions {
  std::string manifest;
  std::string ratios;
  std::string names;
  std::string group_regex;
  std::string group_by = "path";
  std::string column = "split";
  bool stratify = false;
  std::string out;
  std::string out_dir;
  cli::LoadFlags load;
  bool wait = false;
};

int run_split(const SplitCmdOptions& o) {
  dskit::SplitSpec spec;
  if (auto err = dskit::parse_split_spec(o.ratios, o.names, spec)) return cli::usage("split", *err);
  std::unique_ptr<dskit::GroupKeyer> keyer;
  if (!o.group_regex.empty())
    if (auto err = dskit::GroupKeyer::compile(o.group_regex, keyer)) return cli::usage("split", *err);
  if (o.group_by != "path" && o.group_by != "hash")
    return cli::usage("split", "--group-by: 'path' or 'hash', not '" + o.group_by + "'");
  if (o.column.empty() || !dskit::valid_escaped_field(o.column))
    return cli::usage("split", "bad --column name");
  dskit::ManifestLock lock;  // -o: held from before reading to after writing
  if (int rc = cli::lock_output(o.out, o.wait, lock)) return rc;
  dskit::Manifest m;
  if (int rc = cli::load(o.manifest, o.load, m)) return rc;
  if (m.path_col() < 0) {
    order::error(o.manifest + ": the manifest has no path column");
    return dskit::app::kExitUsage;
  }
  if (o.stratify && m.label_col() < 0)
    return cli::usage("split", o.manifest + ": --stratify needs a label column");
  const bool by_hash = o.group_by == "hash";
  if (by_hash && m.hash_col() < 0)
    return cli::usage(
        "split", o.manifest + ": --group-by hash needs a hash column (dsmanifest build without --hash none)");
  std::vector<std::string> keys(m.size()), labels;
  uint64_t unmatched = 0;  // paths the group rule left as their own group
  for (std::size_t i = 0; i < m.size(); ++i) {
    bool matched = true;
    if (by_hash) {
      // Identical content is one group: the key is the hash cell (a file without one is its own group).
      keys[i] = std::string(m.hash_hex(i));
      matched = !keys[i].empty();
      if (!matched) keys[i] = m.path(i);
    } else {
      keys[i] = keyer ? keyer->key(m.path(i), &matched) : m.path(i);
    }
    if (!matched) ++unmatched;
  }
  if (unmatched > 0)
    order::error(fmt::format("warning: {} of {} paths did not match {}; they were grouped per file",
                             unmatched, m.size(), by_hash ? "--group-by hash (no hash)" : "--group-regex"));
  if (o.stratify) {
    labels.resize(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) labels[i] = m.label(i);
  }
  const auto split = dskit::assign_splits(spec, keys, labels, o.stratify);

  if (o.out_dir.empty()) {
    const auto col = static_cast<std::size_t>(m.add_column(o.column));
    std::vector<std::string> escaped;
    for (const auto& n : spec.names) escaped.push_back(dskit::escape_field(n));
    for (std::size_t i = 0; i < m.size(); ++i) m.set_cell(i, col, escaped[split[i]]);
    return order::write_manifest(m, o.out);
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) {
    order::error(o.out_dir + ": cannot create the directory: " + ec.message());
    return dskit::app::kExitOutput;
  }
  std::vector<dskit::ManifestLock> locks(spec.names.size());  // --out-dir: every part, before writing any
  for (std::size_t k = 0; k < spec.names.size(); ++k)
    if (int rc = cli::lock_output(o.out_dir + "/" + spec.names[k] + ".tsv", o.wait, locks[k])) return rc;
  for (std::size_t k = 0; k < spec.names.size(); ++k) {
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < m.size(); ++i)
      if (split[i] == k) rows.push_back(i);
    dskit::Manifest part = m;
    part.select_rows(rows);
    if (int rc = order::write_manifest(part, o.out_dir + "/" + spec.names[k] + ".tsv")) return rc;
  }
  return dskit::app::kExitOk;
}

}  // namespace

Command add_split(CLI::App& app) {
  auto o = std::make_shared<SplitCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("split", "Train/val/test assignment that stays put when the dataset grows");
  sub->add_option("manifest", o->manifest, "Input manifest ('-': standard input)")->required();
  sub->add_option("--ratios", o->ratios, "Split ratios summing to 1, e.g. 0.8,0.1,0.1")->required();
  sub->add_option("--names", o->names, "Split names (default train,val,test; train,val for two ratios)");
  sub->add_option("--group-regex", o->group_regex,
                  "POSIX ERE on the path; its first capture group is the group key (default: the path)");
  auto* group_by = sub->add_option(
      "--group-by", o->group_by,
      "path (default) or hash: files with the same content hash always land in the same split");
  group_by->excludes(sub->get_option("--group-regex"));
  sub->add_flag("--stratify", o->stratify,
                "Meet the ratios within every label (see the stability trade-off)");
  sub->add_option("--column", o->column, "Name of the column that receives the split (default split)");
  auto* out = dskit::app::add_output_flag(sub, o->out);
  auto* dir = sub->add_option("--out-dir", o->out_dir,
                              "Write one manifest per split, DIR/NAME.tsv, instead of a column");
  out->excludes(dir);
  cli::add_load_flags(sub, o->load);
  cli::add_wait_flag(sub, o->wait);
  return {sub, [o] { return run_split(*o); }};
}

}  // namespace dsmanifest
