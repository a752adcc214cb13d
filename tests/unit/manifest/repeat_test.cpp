// The repeat column: counts read with their limits, and the expanded sequence of rows.
#include "dskit/manifest/repeat.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace dskit;

namespace {

Manifest parse(const std::string& rows, const std::string& header = "path\tsize\trepeat\n") {
  Manifest m;
  LoadOptions lo;
  auto err = parse_manifest("#dskit-manifest v1\troot=/r\thash=none\n" + header + rows, "m.tsv", lo, m);
  REQUIRE_MESSAGE(!err, (err ? describe(*err) : ""));
  return m;
}

}  // namespace

TEST_CASE("a manifest without a repeat column expands to itself") {
  const Manifest m = parse("a\t1\nb\t2\n", "path\tsize\n");
  RepeatCounts r;
  REQUIRE_FALSE(read_repeat_counts(m, "m.tsv", r));
  CHECK_FALSE(r.present());
  CHECK(r.total == 2);
  CHECK(r.of(1) == 1);
  CHECK(expanded_rows(m, r) == std::vector<std::size_t>{0, 1});
}

TEST_CASE("rows expand by their repeat counts, in manifest order; 0 drops a row") {
  const Manifest m = parse("a\t1\t3\nb\t2\t0\nc\t3\t1\nd\t4\t2\n");
  RepeatCounts r;
  REQUIRE_FALSE(read_repeat_counts(m, "m.tsv", r));
  CHECK(r.present());
  CHECK(r.total == 6);
  CHECK(expanded_rows(m, r) == std::vector<std::size_t>{0, 0, 0, 2, 3, 3});
}

TEST_CASE("a repeat cell that is not a count in range is an error naming the line") {
  for (const char* bad : {"", "-1", "1.5", "x", "1x", "18446744073709551616", "1048577"}) {
    const Manifest m = parse(std::string("a\t1\t1\nb\t2\t") + bad + "\n");
    RepeatCounts r;
    const auto err = read_repeat_counts(m, "m.tsv", r);
    REQUIRE_MESSAGE(err, bad);
    CHECK(err->line == 4);
    CHECK(describe(*err).find("m.tsv:4: repeat") == 0);
  }
}

TEST_CASE("the expanded length is bounded: no crafted manifest asks for unbounded memory") {
  std::string rows;
  const uint64_t n = kMaxExpandedRows / kMaxRepeat + 1;
  for (uint64_t i = 0; i < n; ++i)
    rows += "f" + std::to_string(i) + "\t1\t" + std::to_string(kMaxRepeat) + "\n";
  const Manifest m = parse(rows);
  RepeatCounts r;
  const auto err = read_repeat_counts(m, "m.tsv", r);
  REQUIRE(err);
  CHECK(err->line == n + 2);
  CHECK(err->message.find("exceed") != std::string::npos);
}
