// open_beneath and bounded hashing: what the hashing of build, update and verify --full opens and reads
// when the tree has changed since the walk (planted links, devices, FIFOs, grown or shrunk files, paths
// longer than PATH_MAX).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include "../temp_tree.h"
#include "dskit/hash/hash.h"
#include "dskit/manifest/build/open.h"

using namespace dskit;

namespace {

struct RootFd {
  int fd;
  explicit RootFd(const std::string& dir) : fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    REQUIRE(fd >= 0);
  }
  ~RootFd() { ::close(fd); }
};

std::string read_fd(int fd) {
  std::string s(64, '\0');
  const ssize_t n = ::read(fd, s.data(), s.size());
  s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return s;
}

}  // namespace

TEST_CASE("open_beneath opens a regular file by its relative path, in both modes") {
  test::TempTree t;
  t.file("ds/a/b/f", "inside");
  RootFd root(t.path("ds"));
  for (BeneathMode mode : {BeneathMode::automatic, BeneathMode::components}) {
    BeneathFile f;
    REQUIRE(open_beneath(root.fd, "a/b/f", f, false, mode) == 0);
    CHECK(S_ISREG(f.st.st_mode));
    CHECK(f.st.st_size == 6);
    CHECK(read_fd(f.fd) == "inside");
    ::close(f.fd);
  }
}

TEST_CASE("open_beneath: a directory swapped for a link to a tree outside is refused") {
  test::TempTree t;
  t.file("ds/a/b/f", "inside");
  t.file("out/b/f", "secret");
  REQUIRE(::rename(t.path("ds/a").c_str(), t.path("ds/a.old").c_str()) == 0);
  t.symlink("../out", "ds/a");
  RootFd root(t.path("ds"));
  for (BeneathMode mode : {BeneathMode::automatic, BeneathMode::components}) {
    BeneathFile f;
    CHECK(open_beneath(root.fd, "a/b/f", f, false, mode) == ELOOP);
    CHECK(f.fd == -1);
    CHECK(std::string(f.detail) == kSymlinkInPath);
  }
  // An absolute link, and a path that climbs out, are refused too.
  t.symlink(t.path("out"), "ds/abs");
  for (BeneathMode mode : {BeneathMode::automatic, BeneathMode::components}) {
    BeneathFile f;
    CHECK(open_beneath(root.fd, "abs/b/f", f, false, mode) == ELOOP);
    CHECK(open_beneath(root.fd, "../out/b/f", f, false, mode) == EXDEV);
    CHECK(f.fd == -1);
  }
}

TEST_CASE("open_beneath: a file swapped for a link to /dev/zero or to a file outside is refused") {
  test::TempTree t;
  t.file("out/secret", "secret");
  t.dir("ds/d");
  t.symlink("/dev/zero", "ds/zero");
  t.symlink(t.path("out/secret"), "ds/d/f");
  t.symlink("../../out/secret", "ds/d/g");
  RootFd root(t.path("ds"));
  for (BeneathMode mode : {BeneathMode::automatic, BeneathMode::components}) {
    for (const char* rel : {"zero", "d/f", "d/g"}) {
      BeneathFile f;
      CHECK_MESSAGE(open_beneath(root.fd, rel, f, false, mode) == ELOOP, rel);
      CHECK(f.fd == -1);
    }
  }
  // A manifest built with --follow follows links, but still refuses what is not a regular file.
  BeneathFile f;
  CHECK(open_beneath(root.fd, "zero", f, true) == EINVAL);
  CHECK(std::string(f.detail) == kNotRegular);
  REQUIRE(open_beneath(root.fd, "d/g", f, true) == 0);
  ::close(f.fd);
}

TEST_CASE("open_beneath: a FIFO or a directory in a file's place is refused without blocking") {
  test::TempTree t;
  t.dir("ds/dir");
  REQUIRE(::mkfifo(t.path("ds/fifo").c_str(), 0644) == 0);
  RootFd root(t.path("ds"));
  for (BeneathMode mode : {BeneathMode::automatic, BeneathMode::components}) {
    for (const char* rel : {"fifo", "dir"}) {
      BeneathFile f;
      CHECK(open_beneath(root.fd, rel, f, false, mode) == EINVAL);
      CHECK(std::string(f.detail) == kNotRegular);
      CHECK(f.fd == -1);
    }
  }
}

TEST_CASE("open_beneath opens a file whose path is longer than PATH_MAX") {
  test::TempTree t;
  const std::string comp(200, 'x');
  RootFd root(t.root());
  // Made one level at a time from the parent's fd: the whole path is too long for mkdir.
  std::vector<int> fds = {::dup(root.fd)};
  std::string rel;
  while (rel.size() < PATH_MAX + 100) {
    REQUIRE(::mkdirat(fds.back(), comp.c_str(), 0755) == 0);
    fds.push_back(::openat(fds.back(), comp.c_str(), O_RDONLY | O_DIRECTORY));
    REQUIRE(fds.back() >= 0);
    rel += comp + "/";
  }
  const int fd = ::openat(fds.back(), "f", O_WRONLY | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "deep", 4) == 4);
  ::close(fd);
  rel += "f";
  for (BeneathMode mode : {BeneathMode::automatic, BeneathMode::components}) {
    BeneathFile f;
    REQUIRE(open_beneath(root.fd, rel.c_str(), f, false, mode) == 0);
    CHECK(read_fd(f.fd) == "deep");
    ::close(f.fd);
  }
  // Removed level by level (remove_all cannot name it).
  REQUIRE(::unlinkat(fds.back(), "f", 0) == 0);
  for (std::size_t i = fds.size() - 1; i > 0; --i) {
    ::close(fds[i]);
    REQUIRE(::unlinkat(fds[i - 1], comp.c_str(), AT_REMOVEDIR) == 0);
  }
  ::close(fds[0]);
}

TEST_CASE("hash_fd with a size reads no more than the size and reports a file longer or shorter") {
  test::TempTree t;
  for (std::size_t len :
       {std::size_t{0}, std::size_t{10}, std::size_t{4096}, std::size_t{5000}, std::size_t{100000}}) {
    std::string content(len, '\0');
    for (std::size_t i = 0; i < len; ++i) content[i] = static_cast<char>('a' + i % 26);
    t.file("f", content);
    FileHasher h(4096);  // small buffers: 100000 bytes take the read-ahead path
    std::string want, got;
    append_hash_hex(want, content, HashAlgo::xxh3_128);
    // Each call on a fresh descriptor, as the build opens each file once.
    auto hash = [&](uint64_t size, uint64_t* bytes) {
      const int fd = ::open(t.path("f").c_str(), O_RDONLY);
      REQUIRE(fd >= 0);
      got.clear();
      const int rc = h.hash_fd(fd, HashAlgo::xxh3_128, got, bytes, size);
      ::close(fd);
      return rc;
    };
    uint64_t bytes = 0;
    CHECK(hash(len, &bytes) == 0);
    CHECK(got == want);
    CHECK(bytes == len);
    // Recorded smaller than it is: it grew since the stat; never more than the size (and one byte) read.
    if (len > 0) {
      CHECK(hash(len - 1, &bytes) == FileHasher::kSizeChanged);
      CHECK(bytes <= len);
    }
    // Recorded larger: it shrank.
    CHECK(hash(len + 1, &bytes) == FileHasher::kSizeChanged);
    CHECK(hash(len + 50000, &bytes) == FileHasher::kSizeChanged);
    // Without a size, the whole file as before.
    CHECK(hash(~uint64_t{0}, &bytes) == 0);
    CHECK(got == want);
  }
  // A device that never ends is read up to the size, not forever.
  const int zero = ::open("/dev/zero", O_RDONLY);
  REQUIRE(zero >= 0);
  FileHasher h(4096);
  std::string got;
  CHECK(h.hash_fd(zero, HashAlgo::xxh3_64, got, nullptr, 100000) == FileHasher::kSizeChanged);
  ::close(zero);
}
