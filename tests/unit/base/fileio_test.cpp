// The one output path (base/fileio): what each kind of path gets (new, regular, symlink, FIFO, device,
// /dev/fd/N), that a failure leaves the old file and no temporary, and the temporary-name scheme.
#include "dskit/base/fileio.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "temp_tree.h"

using namespace dskit;
using test::slurp;

namespace {

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

mode_t current_umask() {
  const mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

struct stat lstat_of(const std::string& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}

}  // namespace

TEST_CASE("fileio: a new path gets the bytes, the umask's mode, and no leftover") {
  for (const bool tmpfile : {true, false}) {
    test::TempTree t;
    WriteOptions o;
    o.use_tmpfile = tmpfile;
    REQUIRE_FALSE(write_file_atomic(t.path("out.tsv"), "hello\n", o));
    CHECK(slurp(t.path("out.tsv")) == "hello\n");
    CHECK((lstat_of(t.path("out.tsv")).st_mode & 07777) == (0666 & ~current_umask()));
    CHECK(entries(t.root()) == std::set<std::string>{"out.tsv"});
  }
}

TEST_CASE("fileio: a regular file is replaced atomically and keeps its mode") {
  for (const bool tmpfile : {true, false}) {
    test::TempTree t;
    t.file("m.tsv", "old contents that are longer\n");
    REQUIRE(::chmod(t.path("m.tsv").c_str(), 0640) == 0);
    const ino_t old_ino = lstat_of(t.path("m.tsv")).st_ino;
    // A reader holding the old file keeps seeing it whole: the new one is a different inode.
    const int keep = ::open(t.path("m.tsv").c_str(), O_RDONLY);
    REQUIRE(keep >= 0);
    WriteOptions o;
    o.use_tmpfile = tmpfile;
    o.durability = Durability::fsync;
    REQUIRE_FALSE(write_file_atomic(t.path("m.tsv"), "new\n", o));
    CHECK(slurp(t.path("m.tsv")) == "new\n");
    const struct stat st = lstat_of(t.path("m.tsv"));
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(st.st_ino != old_ino);
    char buf[8] = {};
    CHECK(::pread(keep, buf, 3, 0) == 3);
    CHECK(std::string(buf, 3) == "old");
    ::close(keep);
    CHECK(entries(t.root()) == std::set<std::string>{"m.tsv"});
  }
}

TEST_CASE("fileio: set-user-ID and set-group-ID bits of a replaced file are dropped") {
  test::TempTree t;
  t.file("x", "a");
  REQUIRE(::chmod(t.path("x").c_str(), 06755) == 0);
  REQUIRE_FALSE(write_file_atomic(t.path("x"), "b"));
  CHECK((lstat_of(t.path("x")).st_mode & 07777) == 0755);
}

TEST_CASE("fileio: a symlink stays a link and its target is replaced") {
  test::TempTree t;
  t.dir("real");
  t.file("real/data.tsv", "old\n");
  t.symlink("real/data.tsv", "link.tsv");
  t.symlink("link.tsv", "link2.tsv");  // a chain of links is followed to its end
  REQUIRE_FALSE(write_file_atomic(t.path("link2.tsv"), "new\n"));
  CHECK(S_ISLNK(lstat_of(t.path("link.tsv")).st_mode));
  CHECK(S_ISLNK(lstat_of(t.path("link2.tsv")).st_mode));
  CHECK(S_ISREG(lstat_of(t.path("real/data.tsv")).st_mode));
  CHECK(slurp(t.path("real/data.tsv")) == "new\n");
  CHECK(entries(t.path("real")) == std::set<std::string>{"data.tsv"});
  // A dangling link creates its target, as `>` in a shell does.
  t.symlink("real/new.tsv", "dangling.tsv");
  REQUIRE_FALSE(write_file_atomic(t.path("dangling.tsv"), "x"));
  CHECK(S_ISLNK(lstat_of(t.path("dangling.tsv")).st_mode));
  CHECK(slurp(t.path("real/new.tsv")) == "x");
}

TEST_CASE(
    "fileio: a name the tool picked (write_through = false, or open_at in a directory fd) replaces a planted "
    "link, never follows it; open_at follows a moved directory") {
  test::TempTree t;
  t.file("victim", "precious\n");
  t.dir("out");
  t.dir("elsewhere");
  const int dfd = ::open(t.path("out").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  REQUIRE(dfd >= 0);
  // By path (no fsync), then in the directory fd with and without O_TMPFILE.
  for (const int how : {0, 1, 2}) {
    ::unlink(t.path("out/index.tsv").c_str());
    t.symlink("../victim", "out/index.tsv");
    WriteOptions o;
    o.write_through = false;
    o.durability = how == 0 ? Durability::none : o.durability;
    o.use_tmpfile = how != 2;
    const auto err = how == 0 ? write_file_atomic(t.path("out/index.tsv"), "rows\n", o)
                              : write_file_atomic_at(dfd, "index.tsv", "out/index.tsv", "rows\n", o);
    REQUIRE_FALSE(err);
    CHECK(slurp(t.path("victim")) == "precious\n");
    CHECK(S_ISREG(lstat_of(t.path("out/index.tsv")).st_mode));
    CHECK(slurp(t.path("out/index.tsv")) == "rows\n");
  }
  // The directory renamed and a link to elsewhere put at its path: the file still lands in the directory.
  REQUIRE(::rename(t.path("out").c_str(), t.path("out.old").c_str()) == 0);
  t.symlink("elsewhere", "out");
  REQUIRE_FALSE(write_file_atomic_at(dfd, "late.json", "out/late.json", "{}"));
  CHECK(slurp(t.path("out.old/late.json")) == "{}");
  CHECK(entries(t.path("elsewhere")).empty());
  // Not a plain name: refused.
  CHECK(write_file_atomic_at(dfd, "../x", "out/../x", "x"));
  CHECK(entries(t.path("out.old")) == std::set<std::string>{"index.tsv", "late.json"});
  ::close(dfd);
}

TEST_CASE("fileio: a FIFO is written through to its reader and stays a FIFO") {
  test::TempTree t;
  REQUIRE(::mkfifo(t.path("fifo").c_str(), 0600) == 0);
  std::string got;
  std::thread reader([&] { got = slurp(t.path("fifo")); });
  std::string big(1 << 20, 'x');  // larger than a pipe buffer: the writer waits on the reader
  big.back() = '\n';
  const auto err = write_file_atomic(t.path("fifo"), big);
  reader.join();
  CHECK_FALSE(err);
  CHECK(got == big);
  CHECK(S_ISFIFO(lstat_of(t.path("fifo")).st_mode));
  CHECK(entries(t.root()) == std::set<std::string>{"fifo"});
}

TEST_CASE("fileio: a character device is written in place, never replaced") {
  // Device nodes of our own (never the machine's /dev/null, which a broken writer would replace).
  if (::geteuid() != 0) {
    MESSAGE("not root: no device nodes of our own, skipped");
    return;
  }
  test::TempTree t;
  REQUIRE(::mknod(t.path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  REQUIRE_FALSE(write_file_atomic(t.path("null"), "discarded"));
  CHECK(S_ISCHR(lstat_of(t.path("null")).st_mode));
  CHECK(entries(t.root()) == std::set<std::string>{"null"});
  // /dev/full in place: the failure is ENOSPC on write, and the node is still there.
  REQUIRE(::mknod(t.path("full").c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0);
  const auto err = write_file_atomic(t.path("full"), "x");
  REQUIRE(err);
  CHECK(err->err == ENOSPC);
  CHECK(err->op == "write");
  CHECK(S_ISCHR(lstat_of(t.path("full")).st_mode));
}

TEST_CASE("fileio: /dev/fd/N writes through that descriptor") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  REQUIRE_FALSE(write_file_atomic("/dev/fd/" + std::to_string(p[1]), "through the pipe"));
  ::close(p[1]);
  char buf[64] = {};
  const ssize_t n = ::read(p[0], buf, sizeof buf);
  ::close(p[0]);
  CHECK(std::string(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0))) == "through the pipe");
}

TEST_CASE("fileio: abandoning a streaming output leaves the old file and no temporary") {
  for (const bool tmpfile : {true, false}) {
    test::TempTree t;
    t.file("m.tsv", "old\n");
    {
      OutputFile f;
      WriteOptions o;
      o.use_tmpfile = tmpfile;
      REQUIRE_FALSE(f.open(t.path("m.tsv"), o));
      REQUIRE_FALSE(f.write("partial"));
      if (!tmpfile) {
        // The named fallback: `.m.tsv.dskit-XXXXXX.tmp`, random, beside the output.
        const auto names = entries(t.root());
        CHECK(names.size() == 2);
        for (const auto& n : names)
          if (n != "m.tsv") CHECK(is_dskit_temp_name(n));
      }
    }  // destroyed without commit
    CHECK(slurp(t.path("m.tsv")) == "old\n");
    CHECK(entries(t.root()) == std::set<std::string>{"m.tsv"});
  }
}

TEST_CASE("fileio: a failed write (file size limit) leaves the old file intact and no temporary") {
  test::TempTree t;
  t.file("m.tsv", "old\n");
  struct rlimit old_limit {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  struct sigaction ign {
  }, old_action{};
  ign.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGXFSZ, &ign, &old_action) == 0);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::optional<PathError> errs[2];
  for (const bool tmpfile : {true, false}) {
    WriteOptions o;
    o.use_tmpfile = tmpfile;
    errs[tmpfile] = write_file_atomic(t.path("m.tsv"), std::string(100000, 'y'), o);
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::sigaction(SIGXFSZ, &old_action, nullptr);
  for (const auto& e : errs) {
    REQUIRE(e);
    CHECK(e->err == EFBIG);
    CHECK(e->path == t.path("m.tsv"));
    CHECK(describe_write_error(*e) == t.path("m.tsv") + ": cannot write: " + std::strerror(EFBIG));
  }
  CHECK(slurp(t.path("m.tsv")) == "old\n");
  CHECK(entries(t.root()) == std::set<std::string>{"m.tsv"});
}

TEST_CASE("fileio: errors name the path and what failed") {
  test::TempTree t;
  auto e = write_file_atomic(t.path("no/such/dir/m.tsv"), "x");
  REQUIRE(e);
  CHECK(e->err == ENOENT);
  CHECK(describe_write_error(*e) == t.path("no/such/dir/m.tsv") + ": cannot create a file in " +
                                        t.path("no/such/dir") + ": " + std::strerror(ENOENT));
  t.dir("d");
  e = write_file_atomic(t.path("d"), "x");
  REQUIRE(e);
  CHECK(e->err == EISDIR);
  CHECK(describe_write_error(PathError{"-", EPIPE, "write"}) ==
        std::string("standard output: ") + std::strerror(EPIPE));
}

TEST_CASE("fileio: temporary names are random, marked, and fit NAME_MAX") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string n = temp_name_for("m.tsv");
    CHECK(n.size() == std::string(".m.tsv.dskit-XXXXXX.tmp").size());
    CHECK(n.rfind(".m.tsv.dskit-", 0) == 0);
    CHECK(is_dskit_temp_name(n));
    seen.insert(n);
  }
  CHECK(seen.size() > 45);  // 62^6 names: repeats are all but impossible
  CHECK(temp_name_for(std::string(300, 'a')).size() <= NAME_MAX);
  CHECK_FALSE(is_dskit_temp_name("m.tsv"));
  CHECK_FALSE(is_dskit_temp_name(".m.tsv.tmp"));
  CHECK_FALSE(is_dskit_temp_name(".m.tsv.dskit-ab!def.tmp"));
}

TEST_CASE("fileio: write_all writes everything through short writes") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  const std::string big(300000, 'z');  // several pipe buffers: short writes while the reader drains
  std::string got;
  std::thread reader([&] {
    char buf[8192];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  });
  CHECK(write_all(p[1], big) == 0);
  ::close(p[1]);
  reader.join();
  ::close(p[0]);
  CHECK(got == big);
  CHECK(write_all(-1, "x") == EBADF);
}

TEST_CASE(
    "list_dir_names: every name but . and .., odd names included; the fd stays usable; not a directory") {
  test::TempTree t;
  t.file("d/a");
  t.file("d/sub/x");
  t.file("d/new\nline");
  t.file("d/..dots");
  const int fd = ::open(t.path("d").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  for (int round = 0; round < 2; ++round) {  // the fd is not consumed: a second listing sees the same
    std::vector<std::string> names;
    CHECK(list_dir_names(fd, names) == 0);
    CHECK(std::set<std::string>(names.begin(), names.end()) ==
          std::set<std::string>{"a", "sub", "new\nline", "..dots"});
    CHECK(names.size() == 4);
  }
  ::close(fd);
  const int file = ::open(t.path("d/a").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(file >= 0);
  std::vector<std::string> none;
  CHECK(list_dir_names(file, none) == ENOTDIR);
  ::close(file);
}
