// build, update and verify --full against a tree changed between the walk and the hashing, forced
// deterministically through the before_hash seam: a directory swapped for a link to a tree outside, a
// file swapped for a link to /dev/zero, a file removed or replaced by a FIFO. Each is an error
// record naming the file (or a verify issue), and nothing outside the root is ever hashed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

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

// A tree ds/ holding a/b/f ("inside") and keep, beside out/b/f ("secret"): where a link swapped in for ds/a
// leads.
void make_escape_tree(const test::TempTree& t) {
  t.file("ds/a/b/f", "inside");
  t.file("ds/keep", "keep");
  t.file("out/b/f", "secret");
}

// build_manifest of t's ds/ on `threads` threads, running `before_hash` between the walk and the hashing.
BuildResult build_racing(const test::TempTree& t, unsigned threads, std::function<void()> before_hash) {
  BuildOptions bo;
  bo.threads = threads;
  bo.before_hash = std::move(before_hash);
  return build_manifest(t.path("ds"), bo);
}

// The description of the error record for ds/REL refused when opened for hashing: "PATH: WHY (open)".
std::string open_error(const test::TempTree& t, const std::string& rel, std::string_view why) {
  return t.path("ds") + "/" + rel + ": " + std::string(why) + " (open)";
}

}  // namespace

TEST_CASE("build: a directory swapped for a link after the walk records no outside hash") {
  test::TempTree t;
  make_escape_tree(t);
  BuildResult r = build_racing(t, 2, [&] { swap_for_link(t, "ds/a", "../out"); });
  REQUIRE_FALSE(r.root_failed);
  CHECK_FALSE(holds_hash(r.manifest, hash_of("secret")));
  CHECK_FALSE(lists(r.manifest, "a/b/f"));
  CHECK(lists(r.manifest, "keep"));
  REQUIRE(r.errors.size() == 1);
  CHECK(error_of(r.errors, "/a/b/f") == open_error(t, "a/b/f", kSymlinkInPath));
}

TEST_CASE("build: a file swapped for a link to /dev/zero, or for a FIFO, is an error record, not a hang") {
  test::TempTree t;
  t.file("ds/zero", "was a file");
  t.file("ds/fifo", "was a file");
  t.file("ds/keep", "keep");
  BuildResult r = build_racing(t, 2, [&] {
    swap_for_link(t, "ds/zero", "/dev/zero");
    REQUIRE(::rename(t.path("ds/fifo").c_str(), t.path("ds/fifo.old").c_str()) == 0);
    REQUIRE(::mkfifo(t.path("ds/fifo").c_str(), 0644) == 0);
  });
  CHECK(r.manifest.size() == 1);
  CHECK(lists(r.manifest, "keep"));
  REQUIRE(r.errors.size() == 2);
  CHECK(error_of(r.errors, "/zero") == open_error(t, "zero", kSymlinkInPath));
  CHECK(error_of(r.errors, "/fifo") == open_error(t, "fifo", "not a regular file"));
}

TEST_CASE("build: a file removed or made unreadable after the walk is an error record naming it") {
  test::TempTree t;
  t.file("ds/gone", "gone");
  t.file("ds/grows", "small");
  t.file("ds/keep", "keep");
  BuildResult r = build_racing(t, 1, [&] { REQUIRE(::unlink(t.path("ds/gone").c_str()) == 0); });
  CHECK(r.manifest.size() == 2);
  REQUIRE(r.errors.size() == 1);
  CHECK(error_of(r.errors, "/gone") == open_error(t, "gone", "No such file or directory"));

  // (A file that grows or shrinks while it is hashed: hash_fd's kSizeChanged, tested in build_open_test.)
  if (::geteuid() != 0) {  // root reads it anyway
    r = build_racing(t, 1, [&] { REQUIRE(::chmod(t.path("ds/grows").c_str(), 0) == 0); });
    CHECK(error_of(r.errors, "/grows") == open_error(t, "grows", "Permission denied"));
    CHECK_FALSE(lists(r.manifest, "grows"));
  }
}

TEST_CASE("update and verify --full: a directory swapped for a link after the walk") {
  test::TempTree t;
  make_escape_tree(t);
  BuildResult built = build_racing(t, 2, {});
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
  CHECK(error_of(u.errors, "/a/b/f") == open_error(t, "a/b/f", kSymlinkInPath));
}
