#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dskit/bench/common.h"
#include "dskit/bench/histogram.h"
#include "dskit/bench/ranks.h"

using namespace dskit::bench;

namespace {
Histogram random_histogram(uint64_t seed, int n) {
  Rng rng(seed);
  Histogram h;
  for (int i = 0; i < n; ++i) h.record(rng.below(uint64_t{1} << (rng.below(46) + 1)));
  return h;
}
}  // namespace

TEST_CASE("histogram wire format: round trips exactly") {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Histogram h = random_histogram(seed, static_cast<int>(seed * 97));
    dskit::WireWriter w;
    write_histogram(w, h);
    dskit::WireReader r(w.bytes());
    Histogram back;
    REQUIRE(read_histogram(r, back));
    CHECK(r.done());
    CHECK(back == h);
    CHECK(back.percentile(99) == h.percentile(99));
    CHECK(back.min() == h.min());
    CHECK(back.max() == h.max());
    CHECK(back.sum() == h.sum());
  }
  // Truncated or inconsistent input is refused.
  const Histogram h = random_histogram(7, 500);
  dskit::WireWriter w;
  write_histogram(w, h);
  const std::string& b = w.bytes();
  for (std::size_t cut : {std::size_t{0}, std::size_t{8}, b.size() / 2, b.size() - 1}) {
    dskit::WireReader r(std::string_view(b).substr(0, cut));
    Histogram back;
    CHECK_FALSE((read_histogram(r, back) && !r.failed()));
  }
  dskit::WireWriter bad;
  bad.u64(5);  // count 5, but the buckets hold 1
  bad.u64(10);
  bad.u64(2);
  bad.u64(2);
  bad.u64(1);
  bad.u64(2);
  bad.u64(1);
  dskit::WireReader rb(bad.bytes());
  Histogram x;
  CHECK_FALSE(read_histogram(rb, x));
  CHECK(x == Histogram{});
}

TEST_CASE("rank results: encode/decode, and the merge sums exactly") {
  std::vector<RankResult> ranks(3);
  for (int i = 0; i < 3; ++i) {
    RankResult& r = ranks[static_cast<std::size_t>(i)];
    r.ops = 10u + static_cast<uint64_t>(i);
    r.bytes = 1000u * static_cast<uint64_t>(i + 1);
    r.files = 3;
    r.errors = static_cast<uint64_t>(i == 2);
    r.seconds = i == 1 ? 2.5 : 1.0;
    r.lat["read"] = random_histogram(static_cast<uint64_t>(i), 300);
    if (i != 0) r.lat["open"] = random_histogram(100u + static_cast<uint64_t>(i), 50);
    r.values = {{RankValue::Merge::sum, "samples", 4.0 + i}, {RankValue::Merge::max, "durable_s", 0.5 * i}};
    const auto back = decode_rank_result(encode_rank_result(r));
    REQUIRE(back);
    CHECK(back->ops == r.ops);
    CHECK(back->seconds == r.seconds);
    CHECK(back->lat.named.size() == r.lat.named.size());
    CHECK(*back->lat.find("read") == *r.lat.find("read"));
    CHECK(back->value("durable_s") == r.value("durable_s"));
    ranks[static_cast<std::size_t>(i)] = *back;
  }
  const MergedRanks m = merge_ranks(ranks);
  CHECK(m.ranks == 3);
  CHECK(m.total.ops == 33);
  CHECK(m.total.bytes == 6000);
  CHECK(m.total.files == 9);
  CHECK(m.total.errors == 1);
  CHECK(m.total.seconds == 2.5);
  CHECK(m.slowest == 1);
  CHECK(m.bandwidth() == doctest::Approx(6000 / 2.5));
  Histogram want;
  for (const auto& r : ranks) want.merge(*r.lat.find("read"));
  CHECK(*m.total.lat.find("read") == want);
  CHECK(m.total.lat.find("open")->count() == 100);
  CHECK(m.total.value("samples") == 4 + 5 + 6);
  CHECK(m.total.value("durable_s") == 1.0);
  CHECK(m.failed.empty());

  // A failed rank is named and left out.
  ranks[1].code = 2;
  const MergedRanks f = merge_ranks(ranks);
  CHECK(f.failed == std::vector<unsigned>{1});
  CHECK(f.total.ops == 22);
  CHECK(f.slowest != 1);

  CHECK_FALSE(decode_rank_result("garbage"));
  std::string enc = encode_rank_result(ranks[0]);
  CHECK_FALSE(decode_rank_result(enc + "x"));
  CHECK_FALSE(decode_rank_result(std::string_view(enc).substr(0, enc.size() - 3)));
}
