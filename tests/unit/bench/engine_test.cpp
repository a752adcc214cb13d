#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "dskit/bench/common.h"
#include "dskit/bench/engine.h"
#include "dskit/bench/target.h"
#include "temp_tree.h"

using namespace dskit::bench;

namespace {
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  return s;
}

// A file of pattern(size) in a temporary tree, opened with O_DIRECT as fd (closed at the end).
struct DirectFile {
  dskit::test::TempTree tree;
  std::string data;
  int fd = -1;
  explicit DirectFile(std::size_t size) : data(pattern(size)) {
    tree.file("f", data);
    dskit::PathError pe;
    fd = open_target(tree.path("f"), O_RDONLY, true, pe);
    REQUIRE(fd >= 0);
  }
  ~DirectFile() {
    if (fd >= 0) ::close(fd);
  }
  DirectFile(const DirectFile&) = delete;
  DirectFile& operator=(const DirectFile&) = delete;
};
}  // namespace

TEST_CASE("open_target sets O_DIRECT, as /proc/self/fdinfo shows") {
  const DirectFile f(8192);
  CHECK(fd_is_direct(f.fd));
  const uint32_t align = dio_alignment(f.fd);
  CHECK(align >= 1);
  CHECK(align <= 4096);
  CHECK(target_size(f.fd) == 8192);
  dskit::PathError pe;
  const int buffered = open_target(f.tree.path("f"), O_RDONLY, false, pe);
  REQUIRE(buffered >= 0);
  CHECK_FALSE(fd_is_direct(buffered));
  ::close(buffered);
}

TEST_CASE("O_DIRECT refusal is told apart from a missing file") {
  dskit::PathError pe;
  CHECK(open_target("/proc/version", O_RDONLY, true, pe) < 0);  // procfs has no direct I/O
  CHECK(pe.err == EINVAL);
  CHECK(open_error(pe, true).kind == ErrorKind::direct_refused);
  CHECK(open_error(pe, true).message.find("--buffered") != std::string::npos);
  CHECK(open_target("/nonexistent-dsbench/x", O_RDONLY, true, pe) < 0);
  CHECK(open_error(pe, true).kind == ErrorKind::usage);
}

TEST_CASE("O_DIRECT reads need an aligned buffer; AlignedBuffer provides one") {
  const DirectFile f(16384);
  const uint32_t align = dio_alignment(f.fd);
  AlignedBuffer buf(16384 + 4096, 4096);
  CHECK(reinterpret_cast<uintptr_t>(buf.data()) % 4096 == 0);
  CHECK(::pread(f.fd, buf.data(), 4096, 4096) == 4096);
  CHECK(std::memcmp(buf.data(), f.data.data() + 4096, 4096) == 0);
  if (align > 1) {  // a misaligned buffer is refused: the page cache was really bypassed
    errno = 0;
    CHECK(::pread(f.fd, buf.data() + 1, 4096, 0) < 0);
    CHECK(errno == EINVAL);
  }
}

TEST_CASE("psync and io_uring engines read the right bytes at the right offsets") {
  const DirectFile f(64 * 4096);
  const int uring_err = probe_uring();
  for (EngineKind k : {EngineKind::psync, EngineKind::io_uring}) {
    if (k == EngineKind::io_uring && uring_err != 0) continue;
    CAPTURE(engine_name(k));
    auto e = k == EngineKind::psync ? make_psync_engine() : make_uring_engine(8, nullptr);
    REQUIRE(e);
    AlignedBuffer buf(8 * 4096, 4096);
    std::vector<IoCompletion> done;
    uint64_t completed = 0;
    for (uint64_t round = 0; round < 8; ++round) {
      done.clear();
      for (unsigned s = 0; s < e->depth(); ++s)
        e->submit(
            {OpKind::read, f.fd, buf.data() + s * 4096, 4096, ((round * 7 + s * 13) % 64) * 4096, s, 0});
      while (e->in_flight() > 0) REQUIRE(e->wait(done) == 0);
      for (const auto& d : done) {
        CHECK(d.result == 4096);
        CHECK(d.end_ns >= d.op.start_ns);
        CHECK(std::memcmp(d.op.buf, f.data.data() + d.op.offset, 4096) == 0);
        ++completed;
      }
    }
    CHECK(completed == 8 * e->depth());
  }
}

TEST_CASE("engine names, sizes, budget shares and the generator") {
  CHECK(parse_engine("psync") == EngineKind::psync);
  CHECK(parse_engine("uring") == EngineKind::io_uring);
  CHECK_FALSE(parse_engine("libaio"));
  uint64_t sum = 0;
  for (unsigned t = 0; t < 7; ++t) sum += share(1000, 7, t);
  CHECK(sum == 1000);
  CHECK(share(1000, 7, 0) == 143);
  CHECK(share(1000, 7, 6) == 142);
  Rng a(5), b(5), c(6);
  CHECK(a.next() == b.next());
  CHECK(a.next() != c.next());
  for (int i = 0; i < 1000; ++i) CHECK(a.below(10) < 10);
}
