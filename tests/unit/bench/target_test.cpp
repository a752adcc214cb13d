// How dsbench opens what it writes and reads: a file created in a directory replaces a planted symlink of
// its name instead of writing through it, and an input that is a FIFO is refused at once, never waited on.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "dskit/bench/target.h"
#include "temp_tree.h"

using namespace dskit;
using namespace dskit::bench;
using test::slurp;

TEST_SUITE_BEGIN("target");

TEST_CASE("create_in_dir: a planted symlink is replaced by a new file, its target untouched") {
  dskit::test::TempTree t;
  t.file("victim", "precious");
  std::filesystem::create_directory(t.path("d"));
  std::filesystem::create_symlink("../victim", t.path("d/out.bin"));
  const int dirfd = ::open(t.path("d").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dirfd >= 0);
  PathError err;
  const int fd = create_in_dir(dirfd, "out.bin", t.path("d/out.bin"), false, err);
  REQUIRE(fd >= 0);
  CHECK(::write(fd, "new", 3) == 3);
  ::close(fd);
  CHECK(slurp(t.path("victim")) == "precious");
  CHECK(std::filesystem::is_regular_file(std::filesystem::symlink_status(t.path("d/out.bin"))));
  CHECK(slurp(t.path("d/out.bin")) == "new");
  // A directory of that name is not removed: the create fails and names the path.
  std::filesystem::create_directory(t.path("d/sub"));
  CHECK(create_in_dir(dirfd, "sub", t.path("d/sub"), false, err) < 0);
  CHECK(err.path == t.path("d/sub"));
  CHECK(err.err == EEXIST);
  ::close(dirfd);
}

TEST_CASE("open_input: a FIFO or a directory is refused without blocking; a file opens") {
  dskit::test::TempTree t;
  REQUIRE(::mkfifo(t.path("fifo").c_str(), 0644) == 0);
  int fd = -1;
  auto err = open_input(t.path("fifo"), false, true, fd);  // would block forever without O_NONBLOCK
  REQUIRE(err);
  CHECK(fd == -1);
  CHECK(err->kind == ErrorKind::usage);
  CHECK(err->message == t.path("fifo") + ": a FIFO, not a regular file or block device");
  err = open_input(t.root(), false, false, fd);
  REQUIRE(err);
  CHECK(err->message == t.root() + ": a directory, not a regular file");
  t.file("f", "data");
  REQUIRE_FALSE(open_input(t.path("f"), false, false, fd));
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
  ::close(fd);
}

TEST_SUITE_END();
