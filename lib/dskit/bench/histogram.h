// A log-linear latency histogram (HdrHistogram-style): exact below 256 ns, then 128 linear sub-buckets per
// power of two, so every recorded value is known to within 1/128 (0.8%) of itself. Values are nanoseconds up
// to 2^44 (about 4.9 hours; larger ones are counted in the last bucket, and `max` stays exact). Fixed size
// and plain counts, so histograms from threads, phases or processes merge exactly by adding bucket by bucket.
#pragma once

#include <cstdint>
#include <vector>

namespace dskit::bench {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 8;   // 256 exact values, then 128 per octave
  static constexpr unsigned kMaxBits = 44;  // values up to 2^44 - 1 ns
  static constexpr uint64_t kSubCount = uint64_t{1} << kSubBits;
  static constexpr uint64_t kHalf = kSubCount / 2;
  static constexpr std::size_t kBuckets = kSubCount + (kMaxBits - kSubBits) * kHalf;

  Histogram();

  void record(uint64_t v) { record_n(v, 1); }
  void record_n(uint64_t v, uint64_t n);
  void merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  uint64_t sum() const { return sum_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The value at percentile p (0 < p <= 100): the smallest recorded value v such that at least p% of the
  // values are <= v, given as the middle of its bucket (clamped to the exact min and max); p100 is the exact
  // max. 0 when empty.
  uint64_t percentile(double p) const;

  // Bucket arithmetic, exposed for tests: the bucket of a value, and the range [lo, hi] it covers.
  static std::size_t bucket_of(uint64_t v);
  static uint64_t bucket_low(std::size_t b);
  static uint64_t bucket_high(std::size_t b);

  const std::vector<uint64_t>& buckets() const { return counts_; }
  // Rebuilds a histogram from the parts buckets(), count(), sum(), min() and max() gave (a result sent by
  // another process). False, leaving the histogram unchanged, when they are inconsistent.
  bool assign(std::vector<uint64_t> counts, uint64_t count, uint64_t sum, uint64_t min, uint64_t max);
  bool operator==(const Histogram& o) const = default;

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = ~uint64_t{0};
  uint64_t max_ = 0;
};

}  // namespace dskit::bench
