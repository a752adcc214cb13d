// The writer's lock of a manifest (dskit/manifest/lock.h): refused while held, waited for with `wait`, the
// lock file removed on release without letting two holders in, nothing locked for a device or stdout.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "dskit/manifest/lock.h"
#include "temp_tree.h"

using namespace dskit;

namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("the lock file sits beside the manifest") {
  CHECK(manifest_lock_path("m.tsv") == ".m.tsv.lock");
  CHECK(manifest_lock_path("a/b/m.tsv") == "a/b/.m.tsv.lock");
  CHECK(manifest_lock_path("/m.tsv") == "/.m.tsv.lock");
}

TEST_CASE("a second writer is refused while the lock is held; release removes the lock file") {
  test::TempTree t;
  const std::string m = t.path("m.tsv");
  ManifestLock a;
  REQUIRE_FALSE(ManifestLock::acquire(m, false, a));
  CHECK(a.held());
  CHECK(a.path() == t.path(".m.tsv.lock"));
  CHECK(exists(a.path()));
  ManifestLock b;
  auto e = ManifestLock::acquire(m, false, b);
  REQUIRE(e);
  CHECK(e->err == EWOULDBLOCK);
  CHECK(e->message.find("--wait") != std::string::npos);
  CHECK_FALSE(b.held());
  a.release();
  CHECK_FALSE(exists(t.path(".m.tsv.lock")));
  REQUIRE_FALSE(ManifestLock::acquire(m, false, b));
  CHECK(b.held());
  // Moving keeps one holder.
  ManifestLock c = std::move(b);
  CHECK(c.held());
  CHECK_FALSE(b.held());
  CHECK(ManifestLock::acquire(m, false, a));
}

TEST_CASE("waiters get the lock one at a time, even though each holder removes the lock file") {
  test::TempTree t;
  const std::string m = t.path("m.tsv");
  std::atomic<int> inside{0}, most{0}, done{0};
  auto worker = [&] {
    for (int i = 0; i < 50; ++i) {
      ManifestLock l;
      if (ManifestLock::acquire(m, true, l)) return;
      const int now = ++inside;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::yield();
      --inside;
    }
    ++done;
  };
  std::thread w1(worker), w2(worker), w3(worker);
  w1.join();
  w2.join();
  w3.join();
  CHECK(done == 3);
  CHECK(most == 1);
  CHECK_FALSE(exists(t.path(".m.tsv.lock")));
}

TEST_CASE(
    "nothing is locked for standard output, an output that is not a regular file, a missing directory") {
  ManifestLock l;
  REQUIRE_FALSE(ManifestLock::acquire("-", false, l));
  CHECK_FALSE(l.held());
  REQUIRE_FALSE(ManifestLock::acquire("", false, l));
  CHECK_FALSE(l.held());
  REQUIRE_FALSE(ManifestLock::acquire("/dev/full", false, l));
  CHECK_FALSE(l.held());
  CHECK_FALSE(exists("/dev/.full.lock"));

  // A directory that takes no new file: nothing to lock (the write reports the directory).
  test::TempTree t;
  REQUIRE_FALSE(ManifestLock::acquire(t.path("missing/m.tsv"), false, l));
  CHECK_FALSE(l.held());

  // A symbolic link locks beside its target.
  t.file("real/m.tsv", "x");
  REQUIRE(::symlink("real/m.tsv", t.path("link.tsv").c_str()) == 0);
  REQUIRE_FALSE(ManifestLock::acquire(t.path("link.tsv"), false, l));
  CHECK(l.held());
  CHECK(l.path().ends_with("/real/.m.tsv.lock"));
  // A lock path that is not a regular file is refused, never followed.
  l.release();
  REQUIRE(::symlink("/etc/passwd", t.path("real/.m.tsv.lock").c_str()) == 0);
  auto e = ManifestLock::acquire(t.path("real/m.tsv"), false, l);
  REQUIRE(e);
  CHECK_FALSE(l.held());
}
