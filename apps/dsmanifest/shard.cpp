// dsmanifest shard: one rank's share of an epoch's order (docs/shuffle.md); also runs shuffle (the share of
// rank 0 in a world of one).
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "dskit/order/shard.h"
#include "order_common.h"
#include "order_repeat.h"

namespace dsmanifest {

namespace order {

int run_order(const char* command, const OrderCmdOptions& o, const dskit::ShardOptions& sh) {
  dskit::ShuffleOptions so;
  if (auto err = to_shuffle_options(o.order, so)) return cli::usage(command, *err);
  if (auto err = dskit::validate(sh)) return cli::usage(command, *err);
  dskit::ManifestLock lock;  // held from before reading to after writing
  if (int rc = cli::lock_output(o.out, o.wait, lock)) return rc;
  dskit::Manifest m;
  if (int rc = cli::load(o.manifest, o.load, m)) return rc;
  uint64_t n = 0;
  std::vector<uint64_t> seq;  // the expanded sequence (repeat column)
  if (int rc = expand_repeat(m, o.manifest, n, seq)) return rc;
  const auto share = dskit::shard_entries(dskit::EpochOrder(n, so), sh);
  std::vector<uint64_t> rows;
  rows.reserve(share.size());
  for (const auto& e : share) rows.push_back(e.row);
  to_manifest_rows(seq, rows);
  const bool pad = sh.tail == dskit::TailPolicy::pad;
  if (o.indices && o.json) {
    std::vector<bool> pads;
    if (pad)
      for (const auto& e : share) pads.push_back(e.pad);
    return write_indices_json(rows, o.out, pad ? &pads : nullptr);
  }
  if (o.indices) return write_indices(rows, o.out);
  m.select_rows(rows);
  set_unit_repeat(m);
  if (pad) {
    const auto col = static_cast<std::size_t>(m.add_column("is_pad"));
    for (std::size_t i = 0; i < share.size(); ++i) m.set_cell(i, col, share[i].pad ? "1" : "0");
  }
  return o.json ? order::write_jsonl(m, o.out) : order::write_manifest(m, o.out);
}

}  // namespace order

namespace {

struct ShardCmdOptions {
  order::OrderCmdOptions common;
  uint64_t rank = 0, world = 1;
  bool drop_last = false, pad = false;
};

}  // namespace

Command add_shard(CLI::App& app) {
  auto o = std::make_shared<ShardCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("shard", "One rank's ordered share of an epoch (the manifest order without --seed)");
  sub->add_option("manifest", o->common.manifest, "Input manifest ('-': standard input)")->required();
  sub->add_option("--rank", o->rank, "This rank, 0 .. world-1")->required();
  sub->add_option("--world", o->world, "Number of ranks")->required();
  order::add_order_flags(sub, o->common.order, /*seed_required=*/false);
  auto* drop =
      sub->add_flag("--drop-last", o->drop_last, "Every rank gets floor(n/world) rows; the tail is dropped");
  auto* pad = sub->add_flag(
      "--pad", o->pad, "Every rank gets ceil(n/world) rows, repeating the first ones; adds an is_pad column");
  drop->excludes(pad);
  order::add_order_output_flags(sub, o->common, "share's row indices");
  return {sub, [o] {
            dskit::ShardOptions sh;
            sh.rank = o->rank;
            sh.world = o->world;
            sh.tail = o->drop_last ? dskit::TailPolicy::drop_last
                      : o->pad     ? dskit::TailPolicy::pad
                                   : dskit::TailPolicy::uneven;
            return order::run_order("shard", o->common, sh);
          }};
}

}  // namespace dsmanifest
