#include "dskit/bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>

namespace dskit::bench {

Histogram::Histogram() : counts_(kBuckets, 0) {}

std::size_t Histogram::bucket_of(uint64_t v) {
  if (v < kSubCount) return static_cast<std::size_t>(v);
  const unsigned e = static_cast<unsigned>(std::bit_width(v)) - 1;  // 2^e <= v < 2^(e+1), e >= kSubBits
  if (e >= kMaxBits) return kBuckets - 1;
  const unsigned shift = e - (kSubBits - 1);  // v >> shift is in [kHalf, kSubCount)
  return static_cast<std::size_t>(kSubCount + (e - kSubBits) * kHalf + ((v >> shift) - kHalf));
}

uint64_t Histogram::bucket_low(std::size_t b) {
  if (b < kSubCount) return b;
  const uint64_t k = b - kSubCount;
  const unsigned e = kSubBits + static_cast<unsigned>(k / kHalf);
  const unsigned shift = e - (kSubBits - 1);
  return (kHalf + k % kHalf) << shift;
}

uint64_t Histogram::bucket_high(std::size_t b) {
  if (b < kSubCount) return b;
  const uint64_t k = b - kSubCount;
  const unsigned shift = kSubBits + static_cast<unsigned>(k / kHalf) - (kSubBits - 1);
  return bucket_low(b) + (uint64_t{1} << shift) - 1;
}

void Histogram::record_n(uint64_t v, uint64_t n) {
  if (n == 0) return;
  counts_[bucket_of(v)] += n;
  count_ += n;
  sum_ += v * n;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

void Histogram::merge(const Histogram& o) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

bool Histogram::assign(std::vector<uint64_t> counts, uint64_t count, uint64_t sum, uint64_t min,
                       uint64_t max) {
  if (counts.size() != kBuckets) return false;
  uint64_t total = 0;
  for (const uint64_t c : counts) total += c;
  if (total != count || (count && (min > max || bucket_of(min) > bucket_of(max)))) return false;
  counts_ = std::move(counts);
  count_ = count;
  sum_ = sum;
  min_ = count ? min : ~uint64_t{0};
  max_ = count ? max : 0;
  return true;
}

uint64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  if (rank == count_) return max_;  // the largest value is known exactly
  uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      const uint64_t lo = bucket_low(b), hi = bucket_high(b);
      return std::clamp(lo + (hi - lo) / 2, min_, max_);
    }
  }
  return max_;
}

}  // namespace dskit::bench
