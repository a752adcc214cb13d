// The values ranks exchange (WireWriter/WireReader) and the dealing out of a walk (WalkShare).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dskit/base/comm.h"
#include "dskit/manifest/build/build.h"

using namespace dskit;

TEST_CASE("wire: values round-trip, including empty and binary strings") {
  WireWriter w;
  w.u64(0);
  w.u64(~uint64_t{0});
  w.i64(-1234567890123);
  w.str("");
  const std::string bin("a\0b\xff\n", 5);
  w.str(bin);
  WireReader r(w.bytes());
  CHECK(r.u64() == 0);
  CHECK(r.u64() == ~uint64_t{0});
  CHECK(r.i64() == -1234567890123);
  CHECK(r.str().empty());
  CHECK(r.str() == bin);
  CHECK(r.done());
  CHECK_FALSE(r.failed());
}

TEST_CASE("wire: a truncated message fails instead of reading past its end") {
  WireWriter w;
  w.str("hello world");
  std::string b = w.bytes();
  b.resize(b.size() - 3);
  WireReader r(b);
  CHECK(r.str().empty());
  CHECK(r.failed());
  WireReader r2(std::string_view("\x01\x02", 2));
  CHECK(r2.u64() == 0);
  CHECK(r2.failed());
}

TEST_CASE("walk share: every entry at the shared depth belongs to exactly one rank, the rest to all") {
  std::vector<std::string> at_depth, above, below;
  for (int i = 0; i < 500; ++i) at_depth.push_back("top/c" + std::to_string(i));
  above = {"top", "other"};
  below = {"top/c1/x.jpg", "top/c2/deeper/y"};
  for (int ranks = 1; ranks <= 7; ++ranks) {
    std::vector<int> per_rank(ranks);
    for (const auto& rel : at_depth) {
      int owners = 0;
      for (int k = 0; k < ranks; ++k) {
        WalkShare s{k, ranks, 2};
        if (s.mine(rel)) ++owners, ++per_rank[k];
      }
      CHECK(owners == 1);
    }
    for (const auto& rel : above)
      for (int k = 0; k < ranks; ++k) CHECK(WalkShare{k, ranks, 2}.mine(rel));
    for (const auto& rel : below)
      for (int k = 0; k < ranks; ++k) CHECK(WalkShare{k, ranks, 2}.mine(rel));
    // The hash spreads 500 names evenly enough: no rank gets less than half its fair share.
    for (int n : per_rank) CHECK(n >= 500 / ranks / 2);
  }
}
