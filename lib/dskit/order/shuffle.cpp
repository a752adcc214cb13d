#include "dskit/order/shuffle.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

namespace dskit {

namespace {
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
__extension__ typedef unsigned __int128 u128;
}  // namespace

FeistelPermutation::FeistelPermutation(uint64_t n, uint64_t key) : n_(n) {
  half_ = 1;
  while (half_ < 32 && (u128{1} << (2 * half_)) < n) ++half_;
  mask_ = (uint64_t{1} << half_) - 1;
  for (int r = 0; r < kRounds; ++r) rk_[r] = mix64(key + static_cast<uint64_t>(r + 1) * kGolden);
}

std::optional<std::string> validate(const ShuffleOptions& o) {
  if (o.mode == ShuffleMode::block) {
    if (o.block == 0) return "--block must be at least 1";
    if (o.window == 0) return "--window must be at least 1";
    if (static_cast<u128>(o.block) * o.window > UINT64_MAX) return "--block times --window is too large";
  }
  if (o.mode == ShuffleMode::shard_local && (o.partitions == 0 || o.partitions > (uint64_t{1} << 32)))
    return "--partitions must be between 1 and 2^32";
  return std::nullopt;
}

uint64_t slice_begin(uint64_t n, uint64_t k, uint64_t i) {
  return static_cast<uint64_t>(static_cast<u128>(i) * n / k);
}

uint64_t slice_of(uint64_t n, uint64_t k, uint64_t pos) {
  // The largest i with floor(i*n/k) <= pos, i.e. i*n < (pos+1)*k.
  return static_cast<uint64_t>((static_cast<u128>(pos + 1) * k - 1) / n);
}

EpochOrder::EpochOrder(uint64_t n, const ShuffleOptions& o) : n_(n), o_(o) {
  if (o.mode == ShuffleMode::global) {
    global_ = FeistelPermutation(n, derive_key(o.seed, o.epoch, key_tag::global, 0));
  } else if (o.mode == ShuffleMode::block) {
    full_blocks_ = n / o.block;
    global_ = FeistelPermutation(full_blocks_, derive_key(o.seed, o.epoch, key_tag::blocks, 0));
  }
}

uint64_t EpochOrder::at(uint64_t pos) const {
  switch (o_.mode) {
    case ShuffleMode::none:
      return pos;
    case ShuffleMode::global:
      return global_(pos);
    case ShuffleMode::shard_local: {
      const uint64_t p = slice_of(n_, o_.partitions, pos);
      const uint64_t b = slice_begin(n_, o_.partitions, p), e = slice_begin(n_, o_.partitions, p + 1);
      const FeistelPermutation perm(e - b, derive_key(o_.seed, o_.epoch, key_tag::partition, p));
      return b + perm(pos - b);
    }
    case ShuffleMode::block: {
      const uint64_t span = o_.block * o_.window;  // rows in a full window
      const uint64_t w = pos / span, wb = w * span;
      const FeistelPermutation perm(std::min(span, n_ - wb),
                                    derive_key(o_.seed, o_.epoch, key_tag::window, w));
      const uint64_t t = perm(pos - wb);
      const uint64_t slot = w * o_.window + t / o_.block;
      const uint64_t blk = slot < full_blocks_ ? global_(slot) : slot;  // the short tail block stays last
      return blk * o_.block + t % o_.block;
    }
  }
  return pos;
}

void EpochOrder::append(uint64_t begin, uint64_t end, std::vector<uint64_t>& out) const {
  if (end <= begin) return;
  const std::size_t base = out.size();
  out.resize(base + (end - begin));
  uint64_t* dst = out.data() + base;
  // Every position is computed on its own, so chunks fill in parallel with the same result.
  constexpr uint64_t kChunk = uint64_t{1} << 16;
  if (end - begin <= kChunk) return fill(begin, end, dst);
  tbb::parallel_for(
      tbb::blocked_range<uint64_t>(begin, end, kChunk),
      [&](const tbb::blocked_range<uint64_t>& r) { fill(r.begin(), r.end(), dst + (r.begin() - begin)); });
}

void EpochOrder::fill(uint64_t begin, uint64_t end, uint64_t* dst) const {
  switch (o_.mode) {
    case ShuffleMode::none:
      for (uint64_t i = begin; i < end; ++i) *dst++ = i;
      return;
    case ShuffleMode::global:
      for (uint64_t i = begin; i < end; ++i) *dst++ = global_(i);
      return;
    case ShuffleMode::shard_local:
      for (uint64_t pos = begin; pos < end;) {
        const uint64_t p = slice_of(n_, o_.partitions, pos);
        const uint64_t b = slice_begin(n_, o_.partitions, p), e = slice_begin(n_, o_.partitions, p + 1);
        const FeistelPermutation perm(e - b, derive_key(o_.seed, o_.epoch, key_tag::partition, p));
        for (const uint64_t stop = std::min(e, end); pos < stop; ++pos) *dst++ = b + perm(pos - b);
      }
      return;
    case ShuffleMode::block: {
      const uint64_t span = o_.block * o_.window;
      for (uint64_t pos = begin; pos < end;) {
        const uint64_t w = pos / span, wb = w * span, we = wb + std::min(span, n_ - wb);
        const FeistelPermutation perm(we - wb, derive_key(o_.seed, o_.epoch, key_tag::window, w));
        for (const uint64_t stop = std::min(we, end); pos < stop; ++pos) {
          const uint64_t t = perm(pos - wb);
          const uint64_t slot = w * o_.window + t / o_.block;
          const uint64_t blk = slot < full_blocks_ ? global_(slot) : slot;
          *dst++ = blk * o_.block + t % o_.block;
        }
      }
      return;
    }
  }
}

}  // namespace dskit
