#include "dskit/image/tar_shard.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "temp_tree.h"

using namespace dskit::image;
using dskit::test::slurp;

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
