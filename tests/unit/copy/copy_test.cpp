// The copy module through its interface: cp -r's planning rule, chunked and sparse data copies with either
// data path, the hash computed while copying, a manifest file that differs, the quick check on a rerun,
// open_dir_beneath refusing a link, and HashStream agreeing with FileHasher.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <string>
#include <vector>

#include "../temp_tree.h"
#include "dskit/copy/copy.h"
#include "dskit/hash/hash.h"
#include "dskit/manifest/build/open.h"
#include "dskit/walk/walk.h"

using namespace dskit;

namespace {

struct Recorder : CopySink {
  std::mutex mu;
  std::vector<PathError> errors;
  std::vector<std::pair<ChangeKind, std::string>> changes;
  void on_error(const PathError& e, bool) override {
    const std::lock_guard l(mu);
    errors.push_back(e);
  }
  void on_change(ChangeKind k, std::string_view p, char) override {
    const std::lock_guard l(mu);
    changes.emplace_back(k, std::string(p));
  }
};

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::string hash_of(const std::string& path) {
  FileHasher h;
  std::string hex;
  REQUIRE(h.hash_file(AT_FDCWD, path.c_str(), HashAlgo::xxh3_128, hex) == 0);
  return hex;
}

}  // namespace

TEST_CASE("plan_roots follows cp -r: into an existing directory, else to DST; never into itself") {
  test::TempTree t;
  t.file("src/a", "x");
  t.file("dir/keep", "");
  std::vector<CopyRoot> r;
  REQUIRE_FALSE(plan_roots({t.path("src")}, t.path("new"), false, r));
  REQUIRE(r.size() == 1);
  CHECK(r[0].dst == t.path("new"));
  REQUIRE_FALSE(plan_roots({t.path("src"), t.path("src/a")}, t.path("dir") + "/", false, r));
  REQUIRE(r.size() == 2);
  CHECK(r[0].dst == t.path("dir/src"));
  CHECK(r[1].dst == t.path("dir/a"));
  CHECK(plan_roots({t.path("src"), t.path("src/a")}, t.path("nodir"), false, r).has_value());
  CHECK(plan_roots({t.path("src")}, t.path("src/sub"), false, r).has_value());
  CHECK(plan_roots({}, t.path("x"), false, r).has_value());
}

TEST_CASE("large and sparse files copy whole in chunks, with copy_file_range or read/write") {
  for (const bool cfr : {true, false}) {
    test::TempTree t;
    t.file("s/big", pattern(3 * 1000 * 1000 + 17, 1));
    // A sparse file: data, a 4 MiB hole, data, and a hole at the end.
    {
      const int fd = ::open(t.path("s/sparse").c_str(), O_WRONLY | O_CREAT, 0644);
      REQUIRE(fd >= 0);
      const std::string d = pattern(70000, 2);
      REQUIRE(::pwrite(fd, d.data(), d.size(), 0) == static_cast<ssize_t>(d.size()));
      REQUIRE(::pwrite(fd, d.data(), d.size(), 4 << 20) == static_cast<ssize_t>(d.size()));
      REQUIRE(::ftruncate(fd, 9 << 20) == 0);
      ::close(fd);
    }
    CopyOptions o;
    o.copy_file_range = cfr;
    o.chunk_bytes = 256 * 1024;  // many chunks
    o.chunk_threads = 4;
    o.threads = 3;
    Recorder rec;
    CopyCounters c;
    copy_roots({{t.path("s"), t.path("d")}}, o, rec, c);
    CHECK(rec.errors.empty());
    CHECK(c.files.load() == 2);
    CHECK(hash_of(t.path("d/big")) == hash_of(t.path("s/big")));
    CHECK(hash_of(t.path("d/sparse")) == hash_of(t.path("s/sparse")));
    struct stat a {
    }, b{};
    REQUIRE(::stat(t.path("s/sparse").c_str(), &a) == 0);
    REQUIRE(::stat(t.path("d/sparse").c_str(), &b) == 0);
    CHECK(b.st_size == a.st_size);
    CHECK(b.st_blocks <= a.st_blocks + 64);  // the holes stayed holes
    CHECK(b.st_mtim.tv_nsec == a.st_mtim.tv_nsec);

    // The rerun finds both up to date.
    CopyCounters c2;
    copy_roots({{t.path("s"), t.path("d")}}, o, rec, c2);
    CHECK(c2.files.load() == 0);
    CHECK(c2.unchanged.load() == 2);
  }
}

TEST_CASE("copy_listed hashes while copying and keeps a differing file from its name") {
  test::TempTree t;
  t.file("s/x/a", pattern(5000, 3));
  t.file("s/b", pattern(2 * 1000 * 1000, 4));
  t.file("s/c", "changed");
  std::vector<ListedFile> files = {{"x/a", 5000, hash_of(t.path("s/x/a"))},
                                   {"b", 2000000, hash_of(t.path("s/b"))},
                                   {"c", 7, std::string(32, '0')}};
  Recorder rec;
  CopyCounters c;
  std::vector<CopiedFile> copied;
  copy_listed(t.path("s"), t.path("d"), files, HashAlgo::xxh3_128, CopyOptions{}, rec, c, copied);
  REQUIRE(rec.errors.size() == 1);
  CHECK(rec.errors[0].path == t.path("s") + "/c");
  CHECK(rec.errors[0].detail == "content differs from the manifest");
  CHECK(c.errors.load() == 1);
  CHECK(copied[0].hash == files[0].hash);
  CHECK(copied[1].hash == files[1].hash);
  CHECK(copied[2].hash.empty());
  CHECK(hash_of(t.path("d/b")) == files[1].hash);
  struct stat st {};
  REQUIRE(::lstat(t.path("d/b").c_str(), &st) == 0);
  CHECK(copied[1].size == 2000000);
  CHECK(copied[1].ino == st.st_ino);
  CHECK(copied[1].mtime_ns == clamped_ns(st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
  CHECK(::lstat(t.path("d/c").c_str(), &st) != 0);
}

TEST_CASE("open_dir_beneath opens directories and refuses a link on the way") {
  test::TempTree t;
  t.file("r/d/e/f", "");
  t.file("outside/g", "");
  REQUIRE(::symlink(t.path("outside").c_str(), t.path("r/link").c_str()) == 0);
  const int root = ::open(t.path("r").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(root >= 0);
  const int fd = open_dir_beneath(root, "d/e");
  CHECK(fd >= 0);
  if (fd >= 0) ::close(fd);
  const int self = open_dir_beneath(root, ".");
  CHECK(self >= 0);
  if (self >= 0) ::close(self);
  CHECK(open_dir_beneath(root, "link") == -ELOOP);
  CHECK(open_dir_beneath(root, "d/e/f") == -ENOTDIR);
  CHECK(open_dir_beneath(root, "../r") < 0);
  ::close(root);
}

TEST_CASE("HashStream in pieces gives what FileHasher gives for the file") {
  test::TempTree t;
  const std::string data = pattern(3 * 1024 * 1024 + 5, 9);
  t.file("f", data);
  for (const HashAlgo a : {HashAlgo::xxh3_64, HashAlgo::xxh3_128}) {
    HashStream s(a);
    for (std::size_t off = 0; off < data.size(); off += 70001)
      s.update(data.data() + off, std::min<std::size_t>(70001, data.size() - off));
    std::string got, want;
    s.finish(got);
    FileHasher h;
    REQUIRE(h.hash_file(AT_FDCWD, t.path("f").c_str(), a, want) == 0);
    CHECK(got == want);
  }
}

TEST_CASE("deal_by_size gives every file to one rank and about the same bytes to each") {
  std::vector<ListedFile> files;
  for (uint64_t i = 0; i < 101; ++i) files.push_back({"f" + std::to_string(i), (i * 7919) % 1000 + 1, ""});
  std::vector<int> seen(files.size(), 0);
  std::vector<uint64_t> bytes;
  for (unsigned r = 0; r < 3; ++r) {
    uint64_t b = 0;
    for (const std::size_t i : deal_by_size(files, r, 3)) {
      ++seen[i];
      b += files[i].size;
    }
    bytes.push_back(b);
  }
  for (const int s : seen) CHECK(s == 1);
  const auto [lo, hi] = std::minmax_element(bytes.begin(), bytes.end());
  CHECK(*hi - *lo <= 1000);  // within the largest file
  CHECK(deal_by_size(files, 0, 1).size() == files.size());
  CHECK(entry_owner("a/b", 1) == 0);
  CHECK(entry_owner("a/b", 4) == entry_owner("a/b", 4));
}
