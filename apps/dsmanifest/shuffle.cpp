// dsmanifest shuffle: the manifest's rows in the order of one epoch (docs/shuffle.md).
#include <string>
#include <type_traits>
#include <vector>

#include "commands.h"
#include "order_common.h"
#include "order_repeat.h"

namespace dsmanifest {

namespace {

struct ShuffleCmdOptions {
  std::string manifest;
  std::string out;
  order::OrderFlags order;
  bool indices = false;
  bool json = false;
  cli::LoadFlags load;
  bool wait = false;
};

int run_shuffle(const ShuffleCmdOptions& o) {
  dskit::ShuffleOptions so;
  if (auto err = order::to_shuffle_options(o.order, so)) return cli::usage("shuffle", *err);
  dskit::ManifestLock lock;  // held from before reading to after writing
  if (int rc = cli::lock_output(o.out, o.wait, lock)) return rc;
  dskit::Manifest m;
  if (int rc = cli::load(o.manifest, o.load, m)) return rc;
  uint64_t n = 0;
  std::vector<uint64_t> seq;  // the expanded sequence (repeat column)
  if (int rc = order::expand_repeat(m, o.manifest, n, seq)) return rc;
  std::vector<uint64_t> rows;
  dskit::EpochOrder(n, so).append(0, n, rows);
  order::to_manifest_rows(seq, rows);
  if (o.indices) return o.json ? order::write_indices_json(rows, o.out) : order::write_indices(rows, o.out);
  static_assert(std::is_same_v<uint64_t, std::size_t>);
  m.select_rows(rows);
  order::set_unit_repeat(m);
  return o.json ? order::write_jsonl(m, o.out) : order::write_manifest(m, o.out);
}

}  // namespace

Command add_shuffle(CLI::App& app) {
  auto o = std::make_shared<ShuffleCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("shuffle", "Rows in the order of one epoch: deterministic from (seed, epoch)");
  sub->add_option("manifest", o->manifest, "Input manifest ('-': standard input)")->required();
  order::add_order_flags(sub, o->order, /*seed_required=*/true);
  sub->add_option("-o,--output", o->out, "Write here (atomically) instead of standard output");
  sub->add_flag("--indices", o->indices, "Print the permuted row indices (0-based), one per line");
  sub->add_flag("--json", o->json,
                "JSON Lines: one object per row, columns decoded (with --indices: {\"index\":N} per line)");
  cli::add_load_flags(sub, o->load);
  cli::add_wait_flag(sub, o->wait);
  return {sub, [o] { return run_shuffle(*o); }};
}

}  // namespace dsmanifest
