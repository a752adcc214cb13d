#include "dskit/order/split.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

using namespace dskit;

namespace {

SplitSpec spec(const char* ratios, const char* names = "") {
  SplitSpec s;
  const auto err = parse_split_spec(ratios, names, s);
  REQUIRE_MESSAGE(!err, *err);
  return s;
}

std::vector<std::string> make_paths(std::size_t n, std::size_t first = 0) {
  std::vector<std::string> v;
  for (std::size_t i = first; i < first + n; ++i)
    v.push_back("class" + std::to_string(i % 7) + "/img" + std::to_string(i) + ".jpg");
  return v;
}

}  // namespace

TEST_CASE("split: parsing ratios and names") {
  SplitSpec s = spec("0.8,0.1,0.1");
  CHECK(s.names == std::vector<std::string>{"train", "val", "test"});
  CHECK(spec("0.5,0.5").names == std::vector<std::string>{"train", "val"});
  CHECK(spec("0.25,0.25,0.25,0.25").names[3] == "split3");
  CHECK(spec("0.7,0.3", "a,b").names[1] == "b");
  SplitSpec bad;
  for (const char* r : {"", "1", "0.8,0.1", "0.8,x", "0.8,-0.1,0.3", "0.5,,0.5", "nan,1", "0.8,0.1,0.1,"})
    CHECK_MESSAGE(parse_split_spec(r, "", bad).has_value(), r);
  CHECK(parse_split_spec("0.5,0.5", "a", bad).has_value());
  CHECK(parse_split_spec("0.5,0.5", "a,a", bad).has_value());
  CHECK(parse_split_spec("0.5,0.5", "a,b/c", bad).has_value());
  CHECK(parse_split_spec("0.5,0.5", "a,", bad).has_value());
}

TEST_CASE("split: unit interval and XXH3-64") {
  CHECK(group_hash("abc") == 0x78af5f94892f3950ULL);  // printf abc | xxhsum -H3
  CHECK(unit_interval(0) == 0.0);
  CHECK(unit_interval(UINT64_MAX) < 1.0);
  const SplitSpec s = spec("0.8,0.1,0.1");
  CHECK(split_of(s, 0.0) == 0);
  CHECK(split_of(s, 0.85) == 1);
  CHECK(split_of(s, 0.95) == 2);
  CHECK(split_of(s, 0.99999999) == 2);
}

TEST_CASE("split: assignments of existing files never change when files are added") {
  const SplitSpec s = spec("0.8,0.1,0.1");
  const auto before = make_paths(2000);
  auto after = make_paths(3000);  // the same 2000 and 1000 new ones
  const auto a = assign_splits(s, before, {}, false);
  const auto b = assign_splits(s, after, {}, false);
  for (std::size_t i = 0; i < before.size(); ++i) REQUIRE(a[i] == b[i]);
  // Order of rows does not matter either.
  std::vector<std::string> rev(after.rbegin(), after.rend());
  const auto c = assign_splits(s, rev, {}, false);
  for (std::size_t i = 0; i < after.size(); ++i) REQUIRE(c[after.size() - 1 - i] == b[i]);
}

TEST_CASE("split: ratios are approximately met on large n") {
  const SplitSpec s = spec("0.8,0.1,0.1");
  const auto paths = make_paths(200000);
  const auto a = assign_splits(s, paths, {}, false);
  std::vector<double> count(3, 0);
  for (uint32_t x : a) count[x] += 1;
  CHECK(count[0] / 200000 == doctest::Approx(0.8).epsilon(0.01));
  CHECK(count[1] / 200000 == doctest::Approx(0.1).epsilon(0.03));
  CHECK(count[2] / 200000 == doctest::Approx(0.1).epsilon(0.03));
}

TEST_CASE("split: group keys keep a group together") {
  std::unique_ptr<GroupKeyer> k;
  REQUIRE(!GroupKeyer::compile("^([^/]+)/", k));
  CHECK(k->key("patient7/slide1.svs") == "patient7");
  CHECK(k->key("toplevel.txt") == "toplevel.txt");  // no match: the path
  std::unique_ptr<GroupKeyer> whole;
  REQUIRE(!GroupKeyer::compile("[0-9]+", whole));
  CHECK(whole->key("a/b12c/x") == "12");  // no capture group: the whole match
  std::unique_ptr<GroupKeyer> bad;
  CHECK(GroupKeyer::compile("(", bad).has_value());

  std::vector<std::string> keys;
  for (int p = 0; p < 300; ++p)
    for (int f = 0; f < 5; ++f)
      keys.push_back(k->key("patient" + std::to_string(p) + "/f" + std::to_string(f)));
  const auto a = assign_splits(spec("0.6,0.2,0.2"), keys, {}, false);
  for (std::size_t i = 0; i < a.size(); i += 5)
    for (int f = 1; f < 5; ++f) REQUIRE(a[i + f] == a[i]);
}

TEST_CASE("split: stratified splits meet the ratios within every label") {
  const SplitSpec s = spec("0.8,0.1,0.1");
  std::vector<std::string> keys, labels;
  // A rare class of 10 and a common one of 1000.
  for (int i = 0; i < 10; ++i) keys.push_back("rare/" + std::to_string(i)), labels.push_back("rare");
  for (int i = 0; i < 1000; ++i) keys.push_back("common/" + std::to_string(i)), labels.push_back("common");
  const auto a = assign_splits(s, keys, labels, true);
  std::map<std::string, std::vector<int>> counts;
  for (std::size_t i = 0; i < a.size(); ++i) {
    counts[labels[i]].resize(3);
    ++counts[labels[i]][a[i]];
  }
  CHECK(counts["rare"] == std::vector<int>{8, 1, 1});
  CHECK(counts["common"] == std::vector<int>{800, 100, 100});

  // Growth: adding one item to a stratum of m moves at most (splits - 1) existing items.
  keys.push_back("common/new");
  labels.push_back("common");
  const auto b = assign_splits(s, keys, labels, true);
  std::size_t moved = 0;
  for (std::size_t i = 0; i < a.size(); ++i) moved += a[i] != b[i];
  CHECK(moved <= 2);
}

TEST_CASE("split: a group's stratum is its most common label, ties to the smallest") {
  const SplitSpec s = spec("0.5,0.5");
  // One group with labels b,b,a -> stratum b; deterministic whatever the row order.
  std::vector<std::string> keys = {"g", "g", "g", "h"}, labels = {"b", "a", "b", "a"};
  const auto a = assign_splits(s, keys, labels, true);
  CHECK(a[0] == a[1]);
  CHECK(a[1] == a[2]);
  // Each stratum has one group: position (0 + 0.5) / 1 = 0.5 -> the second split.
  CHECK(a[0] == 1);
  CHECK(a[3] == 1);
}
