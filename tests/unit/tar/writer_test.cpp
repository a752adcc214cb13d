// The tar member writer: header fields, padding, the ustar prefix split and pax extended headers; read back
// by Python's tarfile and GNU tar (the oracles) and by dskit's reader.
#include "dskit/tar/writer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "temp_tree.h"

using namespace dskit::tar;
using dskit::test::slurp;

namespace {

unsigned header_sum(const std::string& h) {
  unsigned s = 0;
  for (std::size_t i = 0; i < 512; ++i) s += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  return s;
}

}  // namespace

TEST_CASE("tar writer: a ustar member has a valid header, the data, and padding to 512 bytes") {
  std::string out;
  const std::vector<unsigned char> data(700, 'x');
  REQUIRE(append_member(out, "slide_0_224.jpg", data, 0));
  REQUIRE(out.size() == 512 + 1024);
  CHECK(out.substr(0, 15) == "slide_0_224.jpg");
  CHECK(out.substr(124, 11) == "00000001274");  // 700 in octal
  CHECK(out.substr(257, 5) == "ustar");
  CHECK(std::stoul(out.substr(148, 6), nullptr, 8) == header_sum(out));
  CHECK(out.substr(512, 700) == std::string(700, 'x'));
  CHECK(out.substr(1212) == std::string(1024 - 700, '\0'));
  // Long names go through the prefix field; names that cannot be split through a pax extended header.
  out.clear();
  const std::string dir(120, 'd');
  REQUIRE(append_member(out, dir + "/chip.png", data, 0));
  CHECK(out.substr(0, 8) == "chip.png");
  CHECK(out.substr(345, 120) == dir);
  out.clear();
  const std::string name(130, 'n');
  REQUIRE(append_member(out, name, data, 0));
  CHECK(out[156] == 'x');
  CHECK(std::stoul(out.substr(148, 6), nullptr, 8) == header_sum(out));
  const std::string rec = "140 path=" + name + "\n";  // 140 = its own length
  CHECK(rec.size() == 140);
  CHECK(std::stoul(out.substr(124, 11), nullptr, 8) == rec.size());
  CHECK(out.substr(512, rec.size()) == rec);
  CHECK(out.substr(1024, 100) == name.substr(0, 100));
  CHECK(out[1024 + 156] == '0');
  CHECK(out.size() == 1024 + 512 + 1024);
  CHECK(!append_member(out, "", data, 0));
}

TEST_CASE("tar writer: non-ASCII names, sizes and mtimes out of the ustar range go through pax records") {
  std::string out;
  const std::vector<unsigned char> data(3, 'z');
  REQUIRE(append_member(out, "caf\xc3\xa9/\xff.txt", data, -5));
  CHECK(out[156] == 'x');
  const std::string rec = out.substr(512, std::stoul(out.substr(124, 11), nullptr, 8));
  CHECK(rec == "20 path=caf\xc3\xa9/\xff.txt\n12 mtime=-5\n");
  // A size past 8 GiB: only the header (no data to append in a test).
  out.clear();
  REQUIRE(append_header(out, "big.bin", uint64_t{9} << 30, 7));
  CHECK(out.substr(512, 19) == "19 size=9663676416\n");
  CHECK(out.substr(1024 + 124, 11) == "00000000000");
  CHECK(out.substr(1024 + 136, 11) == "00000000007");
  CHECK(out.size() == 1536);
  CHECK(!append_header(out, std::string("a\0b", 3), 1, 0));
  CHECK(out.size() == 1536);
}

TEST_CASE("tar writer: Python's tarfile and GNU tar read back every name, size and mtime") {
  dskit::test::TempTree t;
  std::string out;
  const std::vector<std::string> names = {"a.txt",
                                          std::string(120, 'd') + "/chip.png",
                                          std::string(300, 'n'),
                                          "caf\xc3\xa9.jpg",
                                          "bad\xff\xfe.cls",
                                          "new\nline"};
  for (std::size_t i = 0; i < names.size(); ++i)
    REQUIRE(append_member(
        out, names[i], std::vector<unsigned char>(i * 300, static_cast<unsigned char>('a' + i)), 1700000000));
  append_end(out);
  t.file("a.tar", out);
  std::string expect;
  for (std::size_t i = 0; i < names.size(); ++i)
    expect += names[i] + "\t" + std::to_string(i * 300) + "\t1700000000\n";
  t.file("expect", expect);
  const std::string py =
      "/usr/bin/python3 -c \"import sys,tarfile\nwith tarfile.open(sys.argv[1]) as t, "
      "open(sys.argv[2],'wb') as o:\n for m in t:\n  d=t.extractfile(m).read(); "
      "assert d==bytes([97+len(d)//300])*len(d)\n  o.write(m.name.encode('utf-8','surrogateescape')"
      "+b'\\t%d\\t%d\\n'%(m.size,m.mtime))\" " +
      t.path("a.tar") + " " + t.path("py");
  REQUIRE(std::system(py.c_str()) == 0);
  CHECK(slurp(t.path("py")) == expect);
  // GNU tar lists the names (one per line; the newline one escaped as "\n" by --quoting-style=escape).
  const std::string gnu = "LC_ALL=C.UTF-8 tar --quoting-style=escape -tf " + t.path("a.tar") + " > " +
                          t.path("gnu") + " 2> " + t.path("gnu.err");
  REQUIRE(std::system(gnu.c_str()) == 0);
  CHECK(slurp(t.path("gnu.err")).empty());
  const std::string listed = slurp(t.path("gnu"));
  CHECK(listed.find(std::string(300, 'n') + "\n") != std::string::npos);
  CHECK(listed.find("new\\nline\n") != std::string::npos);
  CHECK(std::count(listed.begin(), listed.end(), '\n') == long(names.size()));
}
