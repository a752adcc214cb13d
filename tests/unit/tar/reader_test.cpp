// The bounded tar reader: archives made by Python's tarfile (ustar, GNU and pax formats) and GNU tar (gnu
// and posix formats) are the oracles for every name, size and data offset; corrupt, truncated and hostile
// archives end in an error naming the offset, never a crash or an unbounded allocation.
#include "dskit/tar/reader.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dskit/tar/writer.h"
#include "temp_tree.h"

using namespace dskit::tar;
using dskit::test::slurp;

namespace {

std::span<const unsigned char> bytes(const std::string& s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// Every member as "name\tsize\theader_offset\tdata_offset\ttype\tmtime\n", or "error@OFFSET: what".
std::string list(Reader r) {
  std::string out;
  Member m;
  while (r.next(m)) {
    // Python's tarfile drops a directory's trailing '/'; the reader reports names as stored.
    if (m.type == '5' && m.name.ends_with('/')) m.name.pop_back();
    out += m.name + "\t" + std::to_string(m.size) + "\t" + std::to_string(m.header_offset) + "\t" +
           std::to_string(m.data_offset) + "\t" + m.type + "\t" + std::to_string(m.mtime) + "\n";
  }
  if (r.error()) out += "error@" + std::to_string(r.error()->offset) + ": " + r.error()->what;
  return out;
}

std::string list_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  const off_t size = ::lseek(fd, 0, SEEK_END);
  std::string s = list(Reader::over_fd(fd, uint64_t(size)));
  ::close(fd);
  CHECK(s == list(Reader::over_memory(bytes(slurp(path)))));
  return s;
}

// Python's tarfile lists the archive in the same shape (the oracle): offset is the member's first header.
std::string python_list(const dskit::test::TempTree& t, const std::string& tar) {
  const std::string cmd =
      "/usr/bin/python3 -c \"import sys,tarfile\nwith tarfile.open(sys.argv[1]) as t, open(sys.argv[2],'wb') "
      "as "
      "o:\n for m in t:\n  ty=m.type.decode() if m.type!=b'\\0' else '0'\n  "
      "o.write(m.name.encode('utf-8','surrogateescape')+b'\\t%d\\t%d\\t%d\\t%s\\t%d\\n'%(m.size if m.isreg() "
      "else 0,m.offset,m.offset_data,ty.encode(),int(m.mtime)))\" " +
      t.path(tar) + " " + t.path(tar + ".py");
  REQUIRE(std::system(cmd.c_str()) == 0);
  return slurp(t.path(tar + ".py"));
}

// A tree of hostile-ish names for the archivers to pack.
void make_tree(const dskit::test::TempTree& t) {
  t.file("src/a.txt", "hello");
  t.file("src/" + std::string(120, 'd') + "/chip.png", std::string(700, 'c'));
  t.file("src/" + std::string(200, 'n') + ".bin", std::string(1024, 'n'));
  t.file("src/caf\xc3\xa9.jpg", "utf8");
  t.file("src/empty", "");
  t.file("src/sub/b.json", "{}");
}

// Recomputes the checksum of the header at the start of `s` after a field was changed.
void fix_checksum(std::string& s) {
  std::memset(s.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(s[i]);
  const std::string ck = std::to_string(sum / 8 / 8 / 8 / 8 / 8 % 8) +
                         std::to_string(sum / 8 / 8 / 8 / 8 % 8) + std::to_string(sum / 8 / 8 / 8 % 8) +
                         std::to_string(sum / 8 / 8 % 8) + std::to_string(sum / 8 % 8) +
                         std::to_string(sum % 8);
  std::memcpy(s.data() + 148, ck.data(), 6);
  s[154] = '\0';
}

}  // namespace

TEST_CASE("tar reader: Python's tarfile archives in its three formats list the same") {
  dskit::test::TempTree t;
  make_tree(t);
  for (const char* fmt : {"USTAR_FORMAT", "GNU_FORMAT", "PAX_FORMAT"}) {
    CAPTURE(fmt);
    const std::string tar = std::string(fmt) + ".tar";
    // USTAR cannot hold the 200-byte name: that archive is made without it.
    const std::string cmd =
        "cd " + t.path("src") +
        " && /usr/bin/python3 -c \"import os,sys,tarfile\nwith "
        "tarfile.open(sys.argv[1],'w',format=tarfile." +
        fmt +
        ") as t:\n for n in sorted(os.listdir('.')):\n  if sys.argv[2]!='USTAR_FORMAT' or "
        "len(n)<100: t.add(n)\" " +
        t.path(tar) + " " + fmt;
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string got = list_file(t.path(tar));
    CHECK(got.find("error@") == std::string::npos);
    CHECK(got == python_list(t, tar));
  }
}

TEST_CASE("tar reader: GNU tar archives (gnu and posix formats) list as Python's tarfile does") {
  dskit::test::TempTree t;
  make_tree(t);
  for (const char* fmt : {"gnu", "posix"}) {
    CAPTURE(fmt);
    const std::string tar = std::string(fmt) + ".tar";
    const std::string cmd =
        "cd " + t.path("src") + " && tar --format=" + fmt + " --sort=name -cf " + t.path(tar) + " .";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string got = list_file(t.path(tar));
    CHECK(got.find("error@") == std::string::npos);
    CHECK(got.find(std::string(200, 'n') + ".bin\t1024\t") != std::string::npos);
    CHECK(got == python_list(t, tar));
  }
}

TEST_CASE("tar reader: the writer's members, their data, and the end marker") {
  std::string a;
  REQUIRE(append_member(a, "x/" + std::string(300, 'l'), bytes("data!"), 12));
  REQUIRE(append_member(a, "y.cls", bytes("3"), 12));
  append_end(a);
  Reader r = Reader::over_memory(bytes(a));
  Member m;
  REQUIRE(r.next(m));
  CHECK(m.name == "x/" + std::string(300, 'l'));
  CHECK(m.header_offset == 0);
  CHECK(m.data_offset == 1536);  // pax header, its 512-byte record block, the ustar header
  CHECK(m.size == 5);
  CHECK(m.mtime == 12);
  std::vector<unsigned char> buf(5);
  REQUIRE(!r.read(m.data_offset, buf));
  CHECK(std::string(buf.begin(), buf.end()) == "data!");
  REQUIRE(r.next(m));
  CHECK(m.name == "y.cls");
  CHECK(m.header_offset == 2048);
  CHECK(!r.next(m));
  CHECK(!r.error());
  CHECK(r.saw_end_marker());
  CHECK(r.read(a.size() - 2, buf));  // beyond the end: an error
}

TEST_CASE("tar reader: corrupt, truncated and hostile archives are errors naming the offset") {
  std::string a;
  REQUIRE(append_member(a, "one.txt", bytes("1111"), 0));
  REQUIRE(append_member(a, "two.txt", bytes("2222"), 0));
  append_end(a);
  SUBCASE("a flipped header byte fails its checksum") {
    std::string b = a;
    b[1024 + 3] ^= 1;
    CHECK(list(Reader::over_memory(bytes(b))) ==
          "one.txt\t4\t0\t512\t0\t0\nerror@1024: bad header checksum (not a tar header)");
  }
  SUBCASE("a truncated member") {
    const std::string b = a.substr(0, 1024 + 512 + 2);
    CHECK(list(Reader::over_memory(bytes(b)))
              .ends_with("error@1024: member data beyond the end of the archive"));
  }
  SUBCASE("a truncated header") {
    CHECK(list(Reader::over_memory(bytes(a.substr(0, 1100))))
              .ends_with("error@1024: truncated header (the archive ends inside it)"));
  }
  SUBCASE("no end marker: a clean end on a header boundary") {
    const std::string b = a.substr(0, 2048);
    Reader r = Reader::over_memory(bytes(b));
    Member m;
    CHECK(r.next(m));
    CHECK(r.next(m));
    CHECK(!r.next(m));
    CHECK(!r.error());
    CHECK(!r.saw_end_marker());
  }
  SUBCASE("a size claiming exabytes") {
    std::string b;
    REQUIRE(append_header(b, "huge", uint64_t{1} << 60, 0));
    append_end(b);
    CHECK(list(Reader::over_memory(bytes(b))) == "error@0: member data beyond the end of the archive");
  }
  SUBCASE("a pax header over the cap, or malformed records") {
    std::string b;
    REQUIRE(append_header(b, std::string(200, 'p'), 1, 0));
    // The pax header's size field claims 2 MiB (then the checksum is fixed up).
    std::string big = b;
    std::memcpy(big.data() + 124, "00010000000", 11);
    fix_checksum(big);
    big.resize(8 << 20, '\0');
    CHECK(list(Reader::over_memory(bytes(big))) == "error@0: extended header larger than the cap");
    std::string bad = b;
    bad[512] = 'x';  // the record length is no longer a number
    CHECK(list(Reader::over_memory(bytes(bad))) == "error@0: pax record length out of range");
  }
}
