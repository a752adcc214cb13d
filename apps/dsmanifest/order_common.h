// Shared by the ordering subcommands (shuffle.cpp, shard.cpp, split.cpp): the epoch-order flags and writing
// the output (a manifest or row indices). Loading and exit codes come from manifest_cli.h.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/common_flags.h"
#include "cli/report.h"
#include "cli/tool.h"
#include "dskit/base/json.h"
#include "dskit/manifest/convert.h"
#include "dskit/manifest/manifest.h"
#include "dskit/order/shard.h"
#include "dskit/order/shuffle.h"
#include "manifest_cli.h"

namespace dsmanifest::order {

using cli::error;

// The flags that define an epoch's order (shuffle, and shard when --seed is given).
struct OrderFlags {
  uint64_t seed = 0, epoch = 0, block = 0, window = 1, partitions = 1024;
  bool shard_local = false;
  CLI::Option *seed_opt = nullptr, *epoch_opt = nullptr, *block_opt = nullptr, *window_opt = nullptr,
              *partitions_opt = nullptr;
};

inline void add_order_flags(CLI::App* sub, OrderFlags& f, bool seed_required) {
  f.seed_opt = sub->add_option("--seed", f.seed, "Shuffle seed (unsigned 64-bit)");
  if (seed_required) f.seed_opt->required();
  f.epoch_opt = sub->add_option("--epoch", f.epoch, "Epoch number: each epoch has its own order (default 0)");
  f.block_opt = sub->add_option("--block", f.block, "Block mode: permute blocks of N consecutive rows");
  f.window_opt = sub->add_option("--window", f.window,
                                 "Block mode: shuffle rows within windows of W blocks (default 1)");
  auto* sl = sub->add_flag("--shard-local", f.shard_local,
                           "Shuffle each canonical partition (contiguous rows) within itself");
  f.partitions_opt =
      sub->add_option("--partitions", f.partitions, "Canonical partitions for --shard-local (default 1024)");
  sl->excludes(f.block_opt);
  f.window_opt->needs(f.block_opt);
  f.partitions_opt->needs(sl);
}

// What shuffle and shard share: the input, the order's flags, and the output and its form.
struct OrderCmdOptions {
  std::string manifest;
  std::string out;
  OrderFlags order;
  bool indices = false;
  bool json = false;
  cli::LoadFlags load;
  bool wait = false;
};

// -o, --indices, --json and the loading and lock flags of shuffle and shard; `what` names the rows
// --indices prints ("permuted row indices", "share's row indices").
inline void add_order_output_flags(CLI::App* sub, OrderCmdOptions& o, const std::string& what) {
  dskit::app::add_output_flag(sub, o.out);
  sub->add_flag("--indices", o.indices, "Print the " + what + " (0-based), one per line");
  sub->add_flag("--json", o.json,
                "JSON Lines: one object per row, columns decoded (with --indices: {\"index\":N} per line)");
  cli::add_load_flags(sub, o.load);
  cli::add_wait_flag(sub, o.wait);
}

// Runs shuffle (rank 0 of a world of 1) or shard: the share `sh` of the epoch's order of the expanded
// rows (repeat column), written as a manifest, JSON Lines or row indices; `command` names the subcommand
// in usage errors. Defined in shard.cpp.
int run_order(const char* command, const OrderCmdOptions& o, const dskit::ShardOptions& sh);

// The order the flags ask for; an error message when they are inconsistent.
inline std::optional<std::string> to_shuffle_options(const OrderFlags& f, dskit::ShuffleOptions& o) {
  const bool seeded = f.seed_opt->count() > 0;
  if (!seeded && (f.epoch_opt->count() || f.block_opt->count() || f.shard_local))
    return "--epoch, --block and --shard-local need --seed";
  o.mode = !seeded                ? dskit::ShuffleMode::none
           : f.shard_local        ? dskit::ShuffleMode::shard_local
           : f.block_opt->count() ? dskit::ShuffleMode::block
                                  : dskit::ShuffleMode::global;
  o.seed = f.seed;
  o.epoch = f.epoch;
  o.block = f.block;
  o.window = f.window;
  o.partitions = f.partitions;
  return dskit::validate(o);
}

inline int write_manifest(const dskit::Manifest& m, const std::string& out) {
  return cli::write_result(dskit::write_manifest(m, out));
}

// --json: JSON Lines, one object per row with the manifest's columns decoded (as `convert --to jsonl`).
inline int write_jsonl(const dskit::Manifest& m, const std::string& out) {
  std::string text;
  dskit::to_jsonl(m, text);
  return dskit::app::write_report("dsmanifest", out, text);
}

// --json --indices: {"index":N} per line; with `pad` (shard --pad) each object also says "is_pad".
inline int write_indices_json(const std::vector<uint64_t>& rows, const std::string& out,
                              const std::vector<bool>* pad = nullptr) {
  std::string text;
  text.reserve(rows.size() * 16);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    dskit::JsonWriter w(text);
    w.object().field("index", rows[i]);
    if (pad) w.field("is_pad", bool((*pad)[i]));
    w.end_object();
    text += '\n';
  }
  return dskit::app::write_report("dsmanifest", out, text);
}

// One row index per line.
inline int write_indices(const std::vector<uint64_t>& rows, const std::string& out) {
  std::string text;
  text.reserve(rows.size() * 8);
  char buf[24];
  for (uint64_t r : rows) {
    char* p = buf + sizeof buf;
    *--p = '\n';
    do *--p = static_cast<char>('0' + r % 10);
    while ((r /= 10) != 0);
    text.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
  }
  return dskit::app::write_report("dsmanifest", out, text);
}

}  // namespace dsmanifest::order
