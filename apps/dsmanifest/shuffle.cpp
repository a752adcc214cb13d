// dsmanifest shuffle: the manifest's rows in the order of one epoch (docs/shuffle.md); the whole order is
// the share of rank 0 in a world of one, so it runs as shard does.
#include <memory>

#include "commands.h"
#include "order_common.h"

namespace dsmanifest {

Command add_shuffle(CLI::App& app) {
  auto o = std::make_shared<order::OrderCmdOptions>();
  CLI::App* sub =
      app.add_subcommand("shuffle", "Rows in the order of one epoch: deterministic from (seed, epoch)");
  sub->add_option("manifest", o->manifest, "Input manifest ('-': standard input)")->required();
  order::add_order_flags(sub, o->order, /*seed_required=*/true);
  order::add_order_output_flags(sub, *o, "permuted row indices");
  return {sub, [o] { return order::run_order("shuffle", *o, dskit::ShardOptions{}); }};
}

}  // namespace dsmanifest
