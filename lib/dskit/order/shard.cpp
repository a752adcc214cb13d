#include "dskit/order/shard.h"

#include <algorithm>

namespace dskit {

std::optional<std::string> validate(const ShardOptions& o) {
  if (o.world == 0) return "--world must be at least 1";
  if (o.rank >= o.world) return "--rank must be less than --world";
  return std::nullopt;
}

uint64_t extended_length(uint64_t n, uint64_t world, TailPolicy tail) {
  switch (tail) {
    case TailPolicy::uneven:
      return n;
    case TailPolicy::drop_last:
      return n / world * world;
    case TailPolicy::pad:
      return (n / world + (n % world != 0)) * world;
  }
  return n;
}

ShareRange rank_share(uint64_t n, const ShardOptions& o) {
  const uint64_t m = extended_length(n, o.world, o.tail);
  return {slice_begin(m, o.world, o.rank), slice_begin(m, o.world, o.rank + 1)};
}

std::vector<ShareEntry> shard_entries(const EpochOrder& order, const ShardOptions& o) {
  const uint64_t n = order.size();
  const ShareRange s = rank_share(n, o);
  std::vector<uint64_t> rows;
  if (s.begin < n) order.append(s.begin, std::min(s.end, n), rows);
  std::vector<ShareEntry> out;
  out.reserve(s.size());
  for (uint64_t r : rows) out.push_back({r, false});
  for (uint64_t p = std::max(s.begin, n); p < s.end; ++p) out.push_back({order.at(p % n), true});
  return out;
}

}  // namespace dskit
