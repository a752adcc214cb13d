// A pack's samples as dsbench reads them (pack/samples): the members read at their offsets from the shards
// opened by ShardFiles equal the source files of each key; is_pack's detection; hostile index rows (shard
// names, offsets, sizes) refused before anything is read; samples grouped as dspack ls groups them.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "dskit/pack/pack.h"
#include "dskit/pack/samples.h"
#include "temp_tree.h"

using namespace dskit;
using namespace dskit::pack;

namespace {

// A pack of 3 keys (a/1: jpg + json, a/2: jpg, b/3: png + txt) in shards of 2 samples, without .cls members.
void make_pack(const test::TempTree& t, std::map<std::string, std::string>& files) {
  files = {{"a/1.jpg", std::string(3000, 'x')},
           {"a/1.json", "{\"n\":1}"},
           {"a/2.jpg", std::string(700, 'y')},
           {"b/3.png", std::string(5000, 'z')},
           {"b/3.txt", "three"}};
  for (const auto& [rel, content] : files) t.file("src/" + rel, content);
  BuildOptions o;
  o.src = t.path("src");
  o.out_dir = t.path("p");
  o.cls = false;
  o.samples_per_shard = 2;
  const BuildResult r = build(o);
  REQUIRE(r.setup_error.empty());
  REQUIRE(r.errors.empty());
  REQUIRE(r.samples == 3);
}

std::string read_at(int fd, uint64_t off, uint64_t size) {
  std::string s(size, '\0');
  REQUIRE(::pread(fd, s.data(), size, static_cast<off_t>(off)) == static_cast<ssize_t>(size));
  return s;
}

// The pack's index.tsv with `from` replaced by `to` once (the test fails when `from` is absent).
void edit_index(const test::TempTree& t, const std::string& from, const std::string& to) {
  std::string text = test::slurp(t.path("p/index.tsv"));
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  t.file("p/index.tsv", text);
}

}  // namespace

TEST_CASE("pack samples: members read at their offsets are the source files of each key") {
  test::TempTree t;
  std::map<std::string, std::string> files;
  make_pack(t, files);
  CHECK(is_pack(t.path("p")));
  PackSamples s;
  REQUIRE_FALSE(load_samples(t.path("p"), s));
  REQUIRE(s.samples() == 3);
  CHECK(s.keys == std::vector<std::string>{"a/1", "a/2", "b/3"});
  CHECK(s.members.size() == 5);
  CHECK(s.shards == std::vector<std::string>{"shard-000000.tar", "shard-000001.tar"});
  uint64_t total = 0;
  for (const auto& [rel, content] : files) total += content.size();
  CHECK(s.bytes == total);
  ShardFiles shards;
  REQUIRE_FALSE(shards.open(s, false));
  for (std::size_t i = 0; i < s.samples(); ++i) {
    std::string got, want;
    for (const PackMember& m : s.sample(i)) got += read_at(shards.fd(m.shard), m.offset, m.size);
    for (const auto& [rel, content] : files)  // the key's files in name order, as dspack writes them
      if (rel.starts_with(s.keys[i] + ".")) want += content;
    CHECK(got == want);
    CHECK(s.sample_bytes(i) == want.size());
  }
  CHECK(s.sample(2)[0].shard == 1);
}

TEST_CASE("pack samples: is_pack wants a regular index.tsv with the shard and offset columns") {
  test::TempTree t;
  std::map<std::string, std::string> files;
  make_pack(t, files);
  CHECK_FALSE(is_pack(t.path("src")));  // no index.tsv
  t.file("plain/index.tsv", "a\tb\n1\t2\n");
  CHECK_FALSE(is_pack(t.path("plain")));
  t.file("m/index.tsv", "#dskit-manifest v1\troot=/x\npath\tsize\n");  // a manifest, not a pack's index
  CHECK_FALSE(is_pack(t.path("m")));
  t.file("cr/index.tsv", "#dskit-manifest v1\troot=/x\r\npath\tsize\tshard\toffset\r\n");
  CHECK(is_pack(t.path("cr")));
  t.dir("link");
  t.symlink(t.path("p/index.tsv"), "link/index.tsv");  // a link is not followed
  CHECK_FALSE(is_pack(t.path("link")));
  t.dir("fifo");
  REQUIRE(::mkfifo(t.path("fifo/index.tsv").c_str(), 0644) == 0);
  CHECK_FALSE(is_pack(t.path("fifo")));  // and the open does not wait for a writer
  t.file("dir/index.tsv/x", "");
  CHECK_FALSE(is_pack(t.path("dir")));
}

TEST_CASE("pack samples: hostile index rows are refused") {
  test::TempTree t;
  std::map<std::string, std::string> files;
  make_pack(t, files);
  const std::string original = test::slurp(t.path("p/index.tsv"));
  // a/1.jpg is the first row: its data at offset 512 of shard-000000.tar.
  REQUIRE(original.find("a/1.jpg\t3000\t") != std::string::npos);
  REQUIRE(original.find("\tshard-000000.tar\t512\ta/1\t") != std::string::npos);
  PackSamples s;
  auto refused = [&](const std::string& from, const std::string& to, const char* why) {
    CAPTURE(to);
    t.file("p/index.tsv", original);
    edit_index(t, from, to);
    const auto e = load_samples(t.path("p"), s);
    REQUIRE(e);
    CHECK(e->find(why) != std::string::npos);
  };
  refused("\tshard-000000.tar\t512\t", "\t../outside.tar\t512\t", "not a plain file name");
  refused("\tshard-000000.tar\t512\t", "\t/etc/passwd\t512\t", "not a plain file name");
  refused("\tshard-000000.tar\t512\t", "\t..\t512\t", "not a plain file name");
  refused("\tshard-000000.tar\t512\t", "\tshard-000000.tar\t1x\t", "not a byte range");
  refused("\tshard-000000.tar\t512\t", "\tshard-000000.tar\t\t", "not a byte range");
  refused("\tshard-000000.tar\t512\t", "\tshard-000000.tar\t-1\t", "not a byte range");
  refused("\tshard-000000.tar\t512\t", "\tshard-000000.tar\t18446744073709551615\t", "not a byte range");
  refused("a/1.jpg\t3000\t", "a/1.jpg\t9223372036854775807\t", "not a byte range");

  // Well-formed ranges beyond the shard's end load, and are refused when the shards are opened.
  for (const auto& edit : std::vector<std::pair<std::string, std::string>>{
           {"\tshard-000000.tar\t512\t", "\tshard-000000.tar\t99999999\t"},
           {"a/1.jpg\t3000\t", "a/1.jpg\t9000000000000000000\t"},
           {"a/1.jpg\t3000\t", "a/1.jpg\t3001000\t"}}) {
    const std::string& to = edit.second;  // a plain variable: clang 14 cannot capture a structured binding
    CAPTURE(to);
    t.file("p/index.tsv", original);
    edit_index(t, edit.first, to);
    REQUIRE_FALSE(load_samples(t.path("p"), s));
    ShardFiles shards;
    const auto e = shards.open(s, false);
    REQUIRE(e);
    CHECK(e->err == 0);
    CHECK(e->detail.find("beyond the shard's") != std::string::npos);
    CHECK(shards.fds().empty());
  }
  t.file("p/index.tsv", original);
  REQUIRE_FALSE(load_samples(t.path("p"), s));

  // A shard that is a link (even to the real shard) or not a regular file is not opened.
  REQUIRE(::rename(t.path("p/shard-000001.tar").c_str(), t.path("real.tar").c_str()) == 0);
  t.symlink(t.path("real.tar"), "p/shard-000001.tar");
  ShardFiles shards;
  auto e = shards.open(s, false);
  REQUIRE(e);
  CHECK(e->path == t.path("p/shard-000001.tar"));
  CHECK(e->err == 0);
  CHECK(shards.fds().empty());
  REQUIRE(::unlink(t.path("p/shard-000001.tar").c_str()) == 0);
  REQUIRE(::mkfifo(t.path("p/shard-000001.tar").c_str(), 0644) == 0);
  e = shards.open(s, false);
  REQUIRE(e);
  CHECK(e->detail == "not a regular file");
  REQUIRE(::unlink(t.path("p/shard-000001.tar").c_str()) == 0);
  e = shards.open(s, false);
  REQUIRE(e);
  CHECK(e->err == ENOENT);

  // A PackSamples made by hand is held to the same names.
  PackSamples h;
  h.dir = t.path("p");
  h.shards = {"../real.tar"};
  h.keys = {"k"};
  h.members = {{0, 1, 0}};
  h.starts = {0, 1};
  e = shards.open(h, false);
  REQUIRE(e);
  CHECK(e->detail.find("plain file name") != std::string::npos);
}

TEST_CASE("pack samples: a sample is the consecutive rows of one key in one shard") {
  test::TempTree t;
  std::map<std::string, std::string> files;
  make_pack(t, files);
  // Rows a/1.jpg, a/1.json, a/2.jpg | b/3.png, b/3.txt: give a/2.jpg the key a/1 (one sample of 3 members),
  // then b/3.png the key a/1 too (another shard: a sample of its own).
  const std::string original = test::slurp(t.path("p/index.tsv"));
  edit_index(t, "\ta/2\t", "\ta/1\t");
  PackSamples s;
  REQUIRE_FALSE(load_samples(t.path("p"), s));
  CHECK(s.keys == std::vector<std::string>{"a/1", "b/3"});
  CHECK(s.sample(0).size() == 3);
  edit_index(t, "\tb/3\tfile", "\ta/1\tfile");
  REQUIRE_FALSE(load_samples(t.path("p"), s));
  CHECK(s.keys == std::vector<std::string>{"a/1", "a/1", "b/3"});
  CHECK(s.starts == std::vector<uint64_t>{0, 3, 4, 5});
}
