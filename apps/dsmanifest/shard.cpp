// dsmanifest shard: one rank's share of an epoch's order (docs/shuffle.md).
#include <string>
#include <vector>

#include "commands.h"
#include "dskit/order/shard.h"
#include "order_common.h"
#include "order_repeat.h"

namespace dsmanifest {

namespace {

struct ShardCmdOptions {
  std::string manifest;
  std::string out;
  order::OrderFlags order;
  uint64_t rank = 0, world = 1;
  bool drop_last = false, pad = false;
  bool indices = false;
  bool json = false;
  cli::LoadFlags load;
  bool wait = false;
};

int run_shard(const ShardCmdOptions& o) {
  dskit::ShuffleOptions so;
  if (auto err = order::to_shuffle_options(o.order, so)) return cli::usage("shard", *err);
  dskit::ShardOptions sh;
  sh.rank = o.rank;
  sh.world = o.world;
  sh.tail = o.drop_last ? dskit::TailPolicy::drop_last
            : o.pad     ? dskit::TailPolicy::pad
                        : dskit::TailPolicy::uneven;
  if (auto err = dskit::validate(sh)) return cli::usage("shard", *err);
  dskit::ManifestLock lock;  // held from before reading to after writing
  if (int rc = cli::lock_output(o.out, o.wait, lock)) return rc;
  dskit::Manifest m;
  if (int rc = cli::load(o.manifest, o.load, m)) return rc;
  uint64_t n = 0;
  std::vector<uint64_t> seq;  // the expanded sequence (repeat column)
  if (int rc = order::expand_repeat(m, o.manifest, n, seq)) return rc;
  const auto share = dskit::shard_entries(dskit::EpochOrder(n, so), sh);
  std::vector<uint64_t> rows;
  rows.reserve(share.size());
  for (const auto& e : share) rows.push_back(e.row);
  order::to_manifest_rows(seq, rows);
  if (o.indices && o.json) {
    std::vector<bool> pads;
    if (o.pad)
      for (const auto& e : share) pads.push_back(e.pad);
    return order::write_indices_json(rows, o.out, o.pad ? &pads : nullptr);
  }
  if (o.indices) return order::write_indices(rows, o.out);
  m.select_rows(rows);
  order::set_unit_repeat(m);
  if (o.pad) {
    const auto col = static_cast<std::size_t>(m.add_column("is_pad"));
    for (std::size_t i = 0; i < share.size(); ++i) m.set_cell(i, col, share[i].pad ? "1" : "0");
  }
  return o.json ? order::write_jsonl(m, o.out) : order::write_manifest(m, o.out);
}

}  // namespace

Command add_shard(CLI::App& app) {
  auto o = std::make_shared<ShardCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("shard", "One rank's ordered share of an epoch (the manifest order without --seed)");
  sub->add_option("manifest", o->manifest, "Input manifest ('-': standard input)")->required();
  sub->add_option("--rank", o->rank, "This rank, 0 .. world-1")->required();
  sub->add_option("--world", o->world, "Number of ranks")->required();
  order::add_order_flags(sub, o->order, /*seed_required=*/false);
  auto* drop =
      sub->add_flag("--drop-last", o->drop_last, "Every rank gets floor(n/world) rows; the tail is dropped");
  auto* pad = sub->add_flag(
      "--pad", o->pad, "Every rank gets ceil(n/world) rows, repeating the first ones; adds an is_pad column");
  drop->excludes(pad);
  sub->add_option("-o,--output", o->out, "Write here (atomically) instead of standard output");
  sub->add_flag("--indices", o->indices, "Print the share's row indices (0-based), one per line");
  sub->add_flag("--json", o->json,
                "JSON Lines: one object per row, columns decoded (with --indices: {\"index\":N} per line)");
  cli::add_load_flags(sub, o->load);
  cli::add_wait_flag(sub, o->wait);
  return {sub, [o] { return run_shard(*o); }};
}

}  // namespace dsmanifest
