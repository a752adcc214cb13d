// dspack's WebDataset key split (as webdataset and DALI's wds2idx split names) and the member path check
// of unpack.
#include <doctest/doctest.h>

#include "dskit/pack/pack.h"

using namespace dskit::pack;

TEST_CASE("pack: the WebDataset key is the path up to the first '.' of the file name") {
  auto k = split_key("a/b.c/123.jpg");
  REQUIRE(k);
  CHECK(k->key == "a/b.c/123");
  CHECK(k->ext == "jpg");
  k = split_key("x.seg.png");
  REQUIRE(k);
  CHECK(k->key == "x");
  CHECK(k->ext == "seg.png");
  CHECK(!split_key("README"));
  CHECK(!split_key("a/.hidden"));
  CHECK(!split_key("a/b."));
  CHECK(!split_key("a.b/c"));
}

TEST_CASE("pack: unpack writes only relative paths without '.', '..' or empty components") {
  CHECK(safe_member_path("a/b.jpg"));
  CHECK(safe_member_path("a..b/c"));
  CHECK(!safe_member_path(""));
  CHECK(!safe_member_path("/etc/passwd"));
  CHECK(!safe_member_path("../x"));
  CHECK(!safe_member_path("a/../../x"));
  CHECK(!safe_member_path("a/./x"));
  CHECK(!safe_member_path("a//x"));
  CHECK(!safe_member_path("a/"));
  CHECK(!safe_member_path(std::string_view("a\0b", 3)));
}
