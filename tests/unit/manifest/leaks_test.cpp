// Content shared across splits (dskit/manifest/leaks.h): which hashes leak, the files counted, the rows
// left out, and the errors for a manifest without a split or hash column.
#include "dskit/manifest/leaks.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace dskit;

namespace {

// Hash cells are written as two digits ("01") and padded here to XXH3-128's 32.
std::string pad_hashes(std::string rows) {
  for (const std::string h : {"01", "02", "03"})
    for (std::size_t p = 0; (p = rows.find("\t" + h + "\t", p)) != std::string::npos; p += 34)
      rows.replace(p + 1, 2, std::string(30, '0') + h);
  return rows;
}

Manifest parse(const std::string& header, std::string rows, const std::string& hash = "xxh3-128") {
  if (hash != "none") rows = pad_hashes(rows);
  Manifest m;
  LoadOptions lo;
  auto err =
      parse_manifest("#dskit-manifest v1\troot=/r\thash=" + hash + "\n" + header + rows, "m.tsv", lo, m);
  REQUIRE_MESSAGE(!err, (err ? describe(*err) : ""));
  return m;
}

}  // namespace

TEST_CASE("leaks: content in two splits is listed with every file; content in one split is not") {
  const Manifest m = parse("path\txxh3_128\tsplit\n",
                           "a\t01\tval\n"    // 01: val and train -> leaks
                           "b\t02\ttrain\n"  // 02: train twice -> a duplicate, not a leak
                           "c\t01\ttrain\n"
                           "d\t02\ttrain\n"
                           "e\t03\ttest\n"  // 03: test, val, and a row without a split
                           "f\t03\t\n"
                           "g\t03\tval\n"
                           "h\t\tval\n"  // no hash: left out
                           "i\t01\ttrain\n");
  LeakReport r;
  REQUIRE_FALSE(find_leaks(m, "split", r));
  CHECK(r.splits == std::vector<std::string>{"val", "train", "test"});
  REQUIRE(r.groups.size() == 2);
  CHECK(r.groups[0].hash == std::string(30, '0') + "01");
  CHECK(r.groups[0].splits == std::vector<std::string>{"val", "train"});
  CHECK(r.groups[0].rows == std::vector<std::size_t>{0, 2, 8});
  CHECK(r.groups[1].hash == std::string(30, '0') + "03");
  CHECK(r.groups[1].splits == std::vector<std::string>{"val", "test"});
  CHECK(r.groups[1].rows == std::vector<std::size_t>{4, 6});
  CHECK(r.leaked_files == 5);
}

TEST_CASE("leaks: none when every content stays in one split") {
  const Manifest m = parse("path\txxh3_128\tpart\n", "a\t01\tx\nb\t01\tx\nc\t02\ty\n");
  LeakReport r;
  REQUIRE_FALSE(find_leaks(m, "part", r));
  CHECK(r.groups.empty());
  CHECK(r.leaked_files == 0);
}

TEST_CASE("leaks: a missing split column or hash column is an error") {
  LeakReport r;
  const auto no_split = find_leaks(parse("path\txxh3_128\tx\n", "a\t01\t\n"), "split", r);
  REQUIRE(no_split);
  CHECK(no_split->find("no 'split' column") != std::string::npos);
  const auto no_hash = find_leaks(parse("path\tsplit\n", "a\ttrain\n", "none"), "split", r);
  REQUIRE(no_hash);
  CHECK(no_hash->find("no hash column") != std::string::npos);
}
