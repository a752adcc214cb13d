// The manifest reader on hostile input: the outside-the-root rule on the decoded path, NUL bytes, cells over
// 16 MiB, mtimes past 2262, devices, FIFOs and endless streams.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <thread>

#include "dskit/manifest/manifest.h"
#include "temp_tree.h"

using namespace dskit;

namespace {

std::optional<ManifestError> parse(const std::string& text, Manifest& m, bool allow_outside = false) {
  LoadOptions lo;
  lo.allow_outside_root = allow_outside;
  return parse_manifest(text, "m.tsv", lo, m);
}

const std::string kHead = "#dskit-manifest v1\troot=/r\thash=none\npath\tsize\tmtime_ns\n";

}  // namespace

TEST_CASE("escaped paths are checked after decoding") {
  for (const char* p :
       {"\\x2e\\x2e/x", "a/\\x2E\\x2e/\\x2e./x", "\\x2fetc\\x2fpasswd", "a/..\\x2f..\\x2fx", "\\x2e."}) {
    CAPTURE(p);
    Manifest m;
    const std::string text = kHead + "ok\t1\t2\n" + p + "\t1\t2\n";
    auto e = parse(text, m);
    REQUIRE(e);
    CHECK(e->line == 4);
    CHECK(e->message.find("leaves the root") != std::string::npos);
    CHECK_FALSE(parse(text, m, true));  // allowed on purpose
  }
  // Escapes that decode to a path inside the root are fine.
  for (const char* p : {"a\\x2fb", "\\x2e/a", "a\\x2e\\x2e", "\\x2e\\x2e\\x2e"}) {
    CAPTURE(p);
    Manifest m;
    CHECK_FALSE(parse(kHead + p + "\t1\t2\n", m));
  }
}

TEST_CASE("a malformed escape in any column is refused with the line and the column") {
  // The fuzz finding tests/fuzz/corpus/manifest/crash-extra-column-escape.tsv: a lone backslash in a column
  // dskit does not know was accepted, and written back as a cell that no longer reads.
  const std::string head = "#dskit-manifest v1\troot=/r\nx\tpath\tsize\tnote\n";
  for (const char* cell : {"\\", "a\\", "\\q", "\\x4", "\\xzz", "a\rb"}) {
    CAPTURE(cell);
    for (int col : {0, 3}) {
      Manifest m;
      const std::string row =
          col == 0 ? std::string(cell) + "\tp\t1\tok\n" : std::string("ok\tp\t1\t") + cell + "\n";
      auto e = parse(head + "a\tq\t2\tb\n" + row, m);
      REQUIRE(e);
      CHECK(e->line == 4);
      CHECK(e->message.find(col == 0 ? "malformed escape in column 'x'"
                                     : "malformed escape in column 'note'") == 0);
    }
  }
  // Well-formed escapes in those columns load, and the manifest writes back to text that reads again.
  Manifest m;
  REQUIRE_FALSE(parse(head + "\\\\\tp\t1\ta\\tb\\x00\\n\n", m));
  CHECK(m.cell(0, 0) == "\\\\");
  std::string text;
  serialize_manifest(m, text);
  Manifest again;
  CHECK_FALSE(parse(text, again));
}

TEST_CASE("a carriage return inside a column name or metadata field is refused") {
  // The fuzz finding tests/fuzz/corpus/manifest/crash-header-cr.tsv: "name\r\r\n" lost one "\r" each time
  // the manifest was written back and read again.
  Manifest m;
  auto e = parse("#dskit-manifest v1\troot=/r\npath\tnote\r\r\na\tb\n", m);
  REQUIRE(e);
  CHECK(e->line == 2);
  CHECK(e->message == "column name 'note\\r' holds a carriage return");
  e = parse("#dskit-manifest v1\troot=/r\tk=v\r\r\npath\na\n", m);
  REQUIRE(e);
  CHECK(e->line == 1);
  CHECK(e->message == "metadata field holds a carriage return: k=v\\r");
  // CRLF line ends alone are fine.
  CHECK_FALSE(parse("#dskit-manifest v1\troot=/r\tk=v\r\npath\tnote\r\na\tb\r\n", m));
  CHECK(m.column_names().back() == "note");
}

TEST_CASE("a NUL byte in a path is refused, even outside-the-root paths allowed") {
  for (const char* p : {"a\\x00b", "\\x00", "a/1\\x00/etc/passwd"}) {
    CAPTURE(p);
    Manifest m;
    const std::string text = kHead + "x\t1\t2\n\n" + p + "\t1\t2\n";
    for (bool allow : {false, true}) {
      auto e = parse(text, m, allow);
      REQUIRE(e);
      CHECK(e->line == 5);
      CHECK(e->message.find("NUL") != std::string::npos);
    }
  }
  Manifest m;
  auto e = parse("#dskit-manifest v1\troot=/r\\x00/x\thash=none\npath\n", m);
  REQUIRE(e);
  CHECK(e->line == 1);
  CHECK(e->message.find("NUL") != std::string::npos);
}

TEST_CASE("a cell over 16 MiB is refused with its line, not truncated") {
  const std::size_t limit = (std::size_t{1} << 24) - 1;
  Manifest m;
  // The largest cell that fits is kept whole.
  REQUIRE_FALSE(parse(kHead + "a\t1\t2\n" + std::string(limit, 'p') + "\t1\t2\n", m));
  REQUIRE(m.size() == 2);
  CHECK(m.path_escaped(1).size() == limit);
  for (int col = 0; col < 3; ++col) {
    CAPTURE(col);
    std::string cells[3] = {"b", "1", "2"};
    cells[col] = col == 0 ? std::string(limit + 1, 'p') : std::string(limit + 1, '7');
    auto e = parse(kHead + "a\t1\t2\n" + cells[0] + "\t" + cells[1] + "\t" + cells[2] + "\n", m);
    REQUIRE(e);
    CHECK(e->line == 4);
    CHECK(e->message.find("field " + std::to_string(col + 1) + " is 16777216 bytes") != std::string::npos);
  }
  // A label (an extra column) too.
  auto e = parse("#dskit-manifest v1\troot=/r\nlabel\tpath\n" + std::string(limit + 5, 'l') + "\tx\n", m);
  REQUIRE(e);
  CHECK(e->line == 3);
}

TEST_CASE("an mtime past 2262 is refused as out of range, the last representable one kept") {
  Manifest m;
  REQUIRE_FALSE(parse(kHead + "a\t1\t9223372036854775807\nb\t1\t-9223372036854775808\n", m));
  CHECK(m.mtime_ns(0) == INT64_MAX);
  CHECK(m.mtime_ns(1) == INT64_MIN);
  // 2300-01-01 in nanoseconds.
  auto e = parse(kHead + "a\t1\t10413792000000000000\n", m);
  REQUIRE(e);
  CHECK(e->line == 3);
  CHECK(e->message.find("out of range") != std::string::npos);
  CHECK(e->message.find("2262") != std::string::npos);
  e = parse(kHead + "a\t1\t-9223372036854775809\n", m);
  REQUIRE(e);
  CHECK(e->message.find("out of range") != std::string::npos);
  e = parse(kHead + "a\t1\t12x\n", m);
  REQUIRE(e);
  CHECK(e->message.find("not a number") != std::string::npos);
}

TEST_CASE("devices are refused; FIFOs are read as streams; a foreign stream stops early") {
  Manifest m;
  auto e = load_manifest("/dev/zero", {}, m);
  REQUIRE(e);
  CHECK(e->message.find("not a regular file") != std::string::npos);
  e = load_manifest("/dev/urandom", {}, m);
  REQUIRE(e);
  CHECK(e->message.find("not a regular file") != std::string::npos);

  test::TempTree t;
  const std::string fifo = t.path("m.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string text = kHead + "a\t1\t2\nb\t3\t4\n";
  // The writer opens the FIFO only after the reader: the reader waits for it, as a blocking open would.
  bool wrote = false;
  std::thread writer([&] {
    ::usleep(50000);
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    wrote = ::write(fd, text.data(), 10) == 10;
    ::usleep(20000);
    wrote &= ::write(fd, text.data() + 10, text.size() - 10) == static_cast<ssize_t>(text.size() - 10);
    ::close(fd);
  });
  e = load_manifest(fifo, {}, m);
  writer.join();
  CHECK(wrote);
  REQUIRE_FALSE(e);
  CHECK(m.size() == 2);
  CHECK(m.path(1) == "b");

  // An endless stream that is not a manifest: the writer is stopped by the reader going away (EPIPE).
  for (const std::string& junk : {std::string(4096, '\0'), kHead.substr(0, 19) + "size\tmtime_ns\n" + "x"}) {
    std::thread w([&] {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return;
      const std::string block = junk + std::string(1 << 16, 'z');
      while (::write(fd, block.data(), block.size()) > 0) {
      }
      ::close(fd);
    });
    ::signal(SIGPIPE, SIG_IGN);
    e = load_manifest(fifo, {}, m);
    w.join();
    REQUIRE(e);
    CHECK(e->line <= 2);
  }
}
