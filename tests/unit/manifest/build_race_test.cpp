// build, update and verify --full against a tree changed between the walk and the hashing, forced
// deterministically through the before_hash seam: a directory swapped for a link to a tree outside, a
// file swapped for a link to /dev/zero, a file removed or replaced by a FIFO. Each is an error
// record naming the file (or a verify issue), and nothing outside the root is ever hashed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "../temp_tree.h"
#include "dskit/manifest/build/build.h"
#include "dskit/manifest/build/open.h"

using namespace dskit;

namespace {

std::string hash_of(const std::string& content) {
  std::string hex;
  append_hash_hex(hex, content, HashAlgo::xxh3_128);
  return hex;
}

bool lists(const Manifest& m, std::string_view path) {
  for (std::size_t i = 0; i < m.size(); ++i)
    if (m.path_escaped(i) == path) return true;
  return false;
}

bool holds_hash(const Manifest& m, const std::string& hex) {
  for (std::size_t i = 0; i < m.size(); ++i)
    if (m.hash_hex(i) == hex) return true;
  return false;
}

// The one error whose path ends in `suffix`, described.
std::string error_of(const std::vector<PathError>& errors, const std::string& suffix) {
  std::string found;
  for (const auto& e : errors)
    if (e.path.size() >= suffix.size() &&
        e.path.compare(e.path.size() - suffix.size(), suffix.size(), suffix) == 0)
      found = describe(e);
  return found;
}

void swap_for_link(const test::TempTree& t, const std::string& rel, const std::string& target) {
  REQUIRE(::rename(t.path(rel).c_str(), t.path(rel + ".old").c_str()) == 0);
  t.symlink(target, rel);
}

}  // namespace

TEST_CASE("build: a directory swapped for a link after the walk records no outside hash") {
  test::TempTree t;
  t.file("ds/a/b/f", "inside");
  t.file("ds/keep", "keep");
  t.file("out/b/f", "secret");
  BuildOptions bo;
  bo.threads = 2;
  bo.before_hash = [&] { swap_for_link(t, "ds/a", "../out"); };
  BuildResult r = build_manifest(t.path("ds"), bo);
  REQUIRE_FALSE(r.root_failed);
  CHECK_FALSE(holds_hash(r.manifest, hash_of("secret")));
  CHECK_FALSE(lists(r.manifest, "a/b/f"));
  CHECK(lists(r.manifest, "keep"));
  REQUIRE(r.errors.size() == 1);
  CHECK(error_of(r.errors, "/a/b/f") == t.path("ds") + "/a/b/f: " + std::string(kSymlinkInPath) + " (open)");
}

TEST_CASE("build: a file swapped for a link to /dev/zero, or for a FIFO, is an error record, not a hang") {
  test::TempTree t;
  t.file("ds/zero", "was a file");
  t.file("ds/fifo", "was a file");
  t.file("ds/keep", "keep");
  BuildOptions bo;
  bo.threads = 2;
  bo.before_hash = [&] {
    swap_for_link(t, "ds/zero", "/dev/zero");
    REQUIRE(::rename(t.path("ds/fifo").c_str(), t.path("ds/fifo.old").c_str()) == 0);
    REQUIRE(::mkfifo(t.path("ds/fifo").c_str(), 0644) == 0);
  };
  BuildResult r = build_manifest(t.path("ds"), bo);
  CHECK(r.manifest.size() == 1);
  CHECK(lists(r.manifest, "keep"));
  REQUIRE(r.errors.size() == 2);
  CHECK(error_of(r.errors, "/zero") == t.path("ds") + "/zero: " + std::string(kSymlinkInPath) + " (open)");
  CHECK(error_of(r.errors, "/fifo") == t.path("ds") + "/fifo: not a regular file (open)");
}

TEST_CASE("build: a file removed or made unreadable after the walk is an error record naming it") {
  test::TempTree t;
  t.file("ds/gone", "gone");
  t.file("ds/grows", "small");
  t.file("ds/keep", "keep");
  BuildOptions bo;
  bo.threads = 1;
  bo.before_hash = [&] { REQUIRE(::unlink(t.path("ds/gone").c_str()) == 0); };
  BuildResult r = build_manifest(t.path("ds"), bo);
  CHECK(r.manifest.size() == 2);
  REQUIRE(r.errors.size() == 1);
  CHECK(error_of(r.errors, "/gone") == t.path("ds") + "/gone: No such file or directory (open)");

  // (A file that grows or shrinks while it is hashed: hash_fd's kSizeChanged, tested in build_open_test.)
  if (::geteuid() != 0) {  // root reads it anyway
    bo.before_hash = [&] { REQUIRE(::chmod(t.path("ds/grows").c_str(), 0) == 0); };
    r = build_manifest(t.path("ds"), bo);
    CHECK(error_of(r.errors, "/grows") == t.path("ds") + "/grows: Permission denied (open)");
    CHECK_FALSE(lists(r.manifest, "grows"));
  }
}

TEST_CASE("update and verify --full: a directory swapped for a link after the walk") {
  test::TempTree t;
  t.file("ds/a/b/f", "inside");
  t.file("ds/keep", "keep");
  t.file("out/b/f", "secret");
  BuildOptions bo;
  bo.threads = 2;
  BuildResult built = build_manifest(t.path("ds"), bo);
  REQUIRE(built.errors.empty());
  REQUIRE(built.manifest.size() == 2);

  // verify --full: the file is unreadable (the link is refused), never "changed" against the outside file.
  VerifyOptions vo;
  vo.full = true;
  vo.threads = 2;
  vo.before_hash = [&] { swap_for_link(t, "ds/a", "../out"); };
  VerifyResult v = verify_manifest(built.manifest, vo);
  REQUIRE(v.issues.size() == 1);
  CHECK(v.issues[0].kind == VerifyIssue::Kind::unreadable);
  CHECK(v.issues[0].path == "a/b/f");
  CHECK(v.issues[0].detail.find(kSymlinkInPath) != std::string::npos);
  REQUIRE(::unlink(t.path("ds/a").c_str()) == 0);
  REQUIRE(::rename(t.path("ds/a.old").c_str(), t.path("ds/a").c_str()) == 0);

  // update: the file changed (so it is re-hashed), then its directory swapped before the hashing.
  t.file("ds/a/b/f", "inside, changed");
  UpdateOptions uo;
  uo.threads = 2;
  uo.before_hash = [&] { swap_for_link(t, "ds/a", "../out"); };
  UpdateResult u = update_manifest(built.manifest, uo);
  CHECK_FALSE(holds_hash(u.manifest, hash_of("secret")));
  CHECK_FALSE(lists(u.manifest, "a/b/f"));
  REQUIRE(u.errors.size() == 1);
  CHECK(error_of(u.errors, "/a/b/f") == t.path("ds") + "/a/b/f: " + std::string(kSymlinkInPath) + " (open)");
}
