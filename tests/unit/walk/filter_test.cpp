#include "dskit/walk/filter.h"

#include <doctest/doctest.h>

using namespace dskit;

TEST_CASE("size filters parse signs and binary units") {
  SizeFilter f;
  REQUIRE_FALSE(parse_size_filter("+10k", f));
  CHECK(f.cmp == SizeFilter::Cmp::ge);
  CHECK(f.bytes == 10240);
  REQUIRE_FALSE(parse_size_filter("-2M", f));
  CHECK(f.cmp == SizeFilter::Cmp::le);
  CHECK(f.bytes == 2u << 20);
  REQUIRE_FALSE(parse_size_filter("512", f));
  CHECK(f.cmp == SizeFilter::Cmp::eq);
  CHECK(f.bytes == 512);
  REQUIRE_FALSE(parse_size_filter("1GiB", f));
  CHECK(f.bytes == 1ull << 30);
  CHECK(parse_size_filter("ten", f));
  CHECK(parse_size_filter("10q", f));
  CHECK(parse_size_filter("+", f));
  CHECK(parse_size_filter("99999999999999T", f));
}

TEST_CASE("time specs: dates, epoch seconds, durations") {
  const int64_t now = 1'000'000'000LL * 1'000'000'000LL;
  int64_t t = 0;
  REQUIRE_FALSE(parse_time_spec("2026-01-31", now, t));
  CHECK(t == 1769817600LL * 1000000000LL);
  REQUIRE_FALSE(parse_time_spec("2026-01-31T12:00:00Z", now, t));
  CHECK(t == (1769817600LL + 43200) * 1000000000LL);
  REQUIRE_FALSE(parse_time_spec("@100", now, t));
  CHECK(t == 100LL * 1000000000LL);
  REQUIRE_FALSE(parse_time_spec("2h", now, t));
  CHECK(t == now - 7200LL * 1000000000LL);
  REQUIRE_FALSE(parse_time_spec("15min", now, t));
  CHECK(t == now - 900LL * 1000000000LL);
  REQUIRE_FALSE(parse_time_spec("1w", now, t));
  CHECK(t == now - 604800LL * 1000000000LL);
  CHECK(parse_time_spec("yesterday", now, t));
  CHECK(parse_time_spec("2026-13-01", now, t));
  CHECK(parse_time_spec("5 parsecs", now, t));
  CHECK(parse_time_spec("", now, t));
}

TEST_CASE("regex compile errors are messages") {
  std::unique_ptr<Regex> re;
  CHECK(Regex::compile("a(b", re));
  REQUIRE_FALSE(Regex::compile("^cls_[0-9]+/.*\\.jpg$", re));
  CHECK(re->search("cls_12/x.jpg"));
  CHECK_FALSE(re->search("cls_x/x.jpg"));
}

TEST_CASE("exclusions prune by name, or by relative path when the glob has a slash") {
  EntryFilter f;
  f.excludes = {"*.tmp", "a/b"};
  f.no_hidden = true;
  CHECK(f.prune("x/y.tmp", "y.tmp"));
  CHECK(f.prune("a/b", "b"));
  CHECK_FALSE(f.prune("c/b", "b"));
  CHECK(f.prune("x/.git", ".git"));
  CHECK_FALSE(f.prune("x/y.jpg", "y.jpg"));
}

TEST_CASE("match applies type, depth, name, size and time") {
  EntryFilter f;
  Entry e;
  e.path = "root/cls/img.jpg";
  e.rel = "cls/img.jpg";
  e.name = "img.jpg";
  e.type = FileType::file;
  e.depth = 2;
  e.has_stat = true;
  e.st.size = 2048;
  e.st.mtime_ns = 5'000'000'000;
  CHECK(f.match(e));
  f.types = {FileType::dir};
  CHECK_FALSE(f.match(e));
  f.types = {FileType::dir, FileType::file};
  CHECK(f.match(e));
  f.min_depth = 3;
  CHECK_FALSE(f.match(e));
  f.min_depth = 1;
  f.names = {"*.png", "*.jpg"};
  CHECK(f.match(e));
  f.names = {"*.png"};
  CHECK_FALSE(f.match(e));
  f.names.clear();
  f.sizes = {{SizeFilter::Cmp::ge, 2048}};
  CHECK(f.match(e));
  f.sizes = {{SizeFilter::Cmp::ge, 2049}};
  CHECK_FALSE(f.match(e));
  f.sizes.clear();
  f.newer_ns = 4'000'000'000;
  CHECK(f.match(e));
  f.older_ns = 5'000'000'000;  // strictly older
  CHECK_FALSE(f.match(e));
}

TEST_CASE("far dates saturate instead of overflowing") {
  int64_t t = 0;
  REQUIRE_FALSE(parse_time_spec("3000-01-01", 0, t));
  CHECK(t == INT64_MAX);
  REQUIRE_FALSE(parse_time_spec("@99999999999999", 0, t));
  CHECK(t == INT64_MAX);
  REQUIRE_FALSE(parse_time_spec("2100-01-01", 0, t));
  CHECK(t == 4102444800LL * 1000000000LL);
  REQUIRE_FALSE(parse_time_spec("99999999999w", 0, t));
  CHECK(t == INT64_MIN);
}
