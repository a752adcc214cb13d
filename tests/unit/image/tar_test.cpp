#include "dskit/image/tar_shard.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "temp_tree.h"

using namespace dskit::image;
using dskit::test::slurp;

namespace {

unsigned header_sum(const std::string& h) {
  unsigned s = 0;
  for (std::size_t i = 0; i < 512; ++i) s += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  return s;
}

}  // namespace

TEST_CASE("image tar: a ustar member has a valid header, the data, and padding to 512 bytes") {
  std::string out;
  const std::vector<unsigned char> data(700, 'x');
  REQUIRE(append_tar_member(out, "slide_0_224.jpg", data, 0));
  REQUIRE(out.size() == 512 + 1024);
  CHECK(out.substr(0, 15) == "slide_0_224.jpg");
  CHECK(out.substr(124, 11) == "00000001274");  // 700 in octal
  CHECK(out.substr(257, 5) == "ustar");
  CHECK(std::stoul(out.substr(148, 6), nullptr, 8) == header_sum(out));
  CHECK(out.substr(512, 700) == std::string(700, 'x'));
  CHECK(out.substr(1212) == std::string(1024 - 700, '\0'));
  // Long names go through the prefix field; names that cannot be split through a pax extended header.
  out.clear();
  const std::string dir(120, 'd');
  REQUIRE(append_tar_member(out, dir + "/chip.png", data, 0));
  CHECK(out.substr(0, 8) == "chip.png");
  CHECK(out.substr(345, 120) == dir);
  out.clear();
  const std::string name(130, 'n');
  REQUIRE(append_tar_member(out, name, data, 0));
  CHECK(out[156] == 'x');
  CHECK(std::stoul(out.substr(148, 6), nullptr, 8) == header_sum(out));
  const std::string rec = "140 path=" + name + "\n";  // 140 = its own length
  CHECK(rec.size() == 140);
  CHECK(std::stoul(out.substr(124, 11), nullptr, 8) == rec.size());
  CHECK(out.substr(512, rec.size()) == rec);
  CHECK(out.substr(1024, 100) == name.substr(0, 100));
  CHECK(out[1024 + 156] == '0');
  CHECK(out.size() == 1024 + 512 + 1024);
  CHECK(!append_tar_member(out, "", data, 0));
}

TEST_CASE("image tar: shards of N members, renamed into place when complete") {
  dskit::test::TempTree t;
  {
    TarShardWriter w(t.root(), 2);
    const std::vector<unsigned char> data(10, 'a');
    std::string shard;
    for (int i = 0; i < 5; ++i) {
      REQUIRE(!w.add("m" + std::to_string(i) + ".jpg", data, shard));
      CHECK(shard == "shard-00000" + std::to_string(i / 2) + ".tar");
    }
    REQUIRE(!w.finish());
    CHECK(w.shards() == 3);
  }
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(t.root())) {
    ++files;
    CHECK(e.path().filename().string().rfind("shard-", 0) == 0);  // no temporary left
  }
  CHECK(files == 3);
  const std::string last = slurp(t.path("shard-000002.tar"));
  CHECK(last.size() == 512 + 512 + 1024);  // one member, then the end-of-archive blocks
  CHECK(last.substr(0, 6) == "m4.jpg");
}

TEST_CASE("image tar: an unfinished shard is removed") {
  dskit::test::TempTree t;
  {
    TarShardWriter w(t.root(), 10);
    std::string shard;
    REQUIRE(!w.add("a.jpg", std::vector<unsigned char>(5, 'a'), shard));
  }
  CHECK(std::filesystem::is_empty(t.root()));
}
