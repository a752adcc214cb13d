// The manifest module: escaping, parsing (and its errors), writing, hashing, labels, build and update.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "dskit/base/text.h"
#include "dskit/hash/hash.h"
#include "dskit/manifest/build/build.h"
#include "dskit/manifest/labels.h"
#include "dskit/manifest/manifest.h"
#include "temp_tree.h"

using namespace dskit;

namespace {

std::string serialize(const Manifest& m) {
  std::string s;
  serialize_manifest(m, s);
  return s;
}

std::optional<ManifestError> parse(const std::string& text, Manifest& m, bool allow_outside = false) {
  LoadOptions lo;
  lo.allow_outside_root = allow_outside;
  return parse_manifest(text, "m.tsv", lo, m);
}

const std::string kHead = "#dskit-manifest v1\troot=/r\thash=xxh3-64\npath\tsize\tmtime_ns\txxh3_64\tlabel\n";

}  // namespace

TEST_CASE("escaping round-trips every byte value, alone and together") {
  std::string all;
  for (int b = 0; b < 256; ++b) {
    const std::string raw(1, static_cast<char>(b));
    all += raw;
    const std::string esc = escape_field(raw);
    CHECK(esc.find_first_of("\t\n\r") == std::string::npos);
    CHECK(is_valid_utf8(esc));
    CHECK(valid_escaped_field(esc));
    std::string back;
    REQUIRE(unescape_field(esc, back));
    CHECK(back == raw);
    // Printable ASCII other than the backslash stands for itself.
    if (b >= 0x20 && b < 0x7f && b != '\\') CHECK(esc == raw);
  }
  const std::string esc = escape_field(all);
  CHECK(is_valid_utf8(esc));
  std::string back;
  REQUIRE(unescape_field(esc, back));
  CHECK(back == all);
}

TEST_CASE("escaping keeps valid UTF-8 and escapes broken sequences byte by byte") {
  const std::vector<std::string> names = {
      "caf\xc3\xa9.jpg",               // é
      "\xf0\x9f\x90\x88/cat.png",      // 🐈 (4 bytes)
      "a,b \"quoted\" 'x'.txt",        // commas and quotes are not special
      "back\\slash\\x41",              // looks like an escape
      "tab\there\nnewline\rcr",        // separators
      "\xc3",                          // truncated
      "\xc0\xaf",                      // overlong '/'
      "\xed\xa0\x80",                  // a surrogate
      "\xf4\x90\x80\x80",              // above U+10FFFF
      "\xff\xfe latin1 \xe9t\xe9",     // Latin-1
      std::string("nul\0inside", 10),  // not a file name, but a label could hold it
  };
  for (const auto& n : names) {
    const std::string esc = escape_field(n);
    CHECK(is_valid_utf8(esc));
    CHECK(unescape_field(esc) == n);
  }
  CHECK(escape_field("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(escape_field("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(escape_field("a\tb\\") == "a\\tb\\\\");
  CHECK(escape_field(std::string("\x01\x7f", 2)) == "\\x01\\x7f");
  CHECK(unescape_field("\\x4A\\x4a") == "JJ");  // either case on read
}

TEST_CASE("malformed escapes are refused") {
  std::string out;
  for (const char* bad : {"\\", "a\\", "\\q", "\\x4", "\\xZZ", "\\x"}) {
    CHECK_FALSE(unescape_field(bad, out));
    CHECK_FALSE(valid_escaped_field(bad));
  }
  CHECK_FALSE(valid_escaped_field("raw\ttab"));
}

TEST_CASE("parse and serialize round-trip, keeping unknown columns and metadata") {
  const std::string text =
      "#dskit-manifest v1\troot=/data/x\\ty\thash=xxh3-128\tlabels=folder\tfuture=1\n"
      "path\tweight\tsize\tmtime_ns\tino\txxh3_128\tlabel\tsplit\n"
      "a/b\\n.jpg\t0.5\t10\t-5\t7\t5c73e7e3dcbb0395e841f27363849a18\tcat\ttrain\n"
      "z\t\t0\t0\t\t\t\tval\n";
  Manifest m;
  auto err = parse(text, m);
  REQUIRE_FALSE(err);
  CHECK(m.root == "/data/x\ty");
  CHECK(m.hash == HashAlgo::xxh3_128);
  REQUIRE(m.size() == 2);
  CHECK(m.path(0) == "a/b\n.jpg");
  CHECK(m.file_size(0) == 10);
  CHECK(m.mtime_ns(0) == -5);
  CHECK(m.ino(0) == 7);
  CHECK(m.hash_hex(0) == "5c73e7e3dcbb0395e841f27363849a18");
  CHECK(m.label(0) == "cat");
  CHECK(m.cell(0, static_cast<std::size_t>(m.find_column("weight"))) == "0.5");
  CHECK(m.abs_path(0) == "/data/x\ty/a/b\n.jpg");
  CHECK(serialize(m) == text);
}

TEST_CASE("parse errors name the line") {
  Manifest m;
  auto e = parse(kHead + "a\t1\t2\t0123456789abcdef\tx\nb\t1\t2\n", m);
  REQUIRE(e);
  CHECK(e->line == 4);
  CHECK(describe(*e).rfind("m.tsv:4: ", 0) == 0);
  CHECK(e->message.find("3 fields") != std::string::npos);

  e = parse(kHead + "a\tten\t2\t0123456789abcdef\tx\n", m);
  REQUIRE(e);
  CHECK(e->line == 3);
  e = parse(kHead + "a\t1\t2\t0123\tx\n", m);
  REQUIRE(e);
  CHECK(e->message.find("hex") != std::string::npos);
  e = parse(kHead + "a\\q\t1\t2\t0123456789abcdef\tx\n", m);
  REQUIRE(e);
  CHECK(e->message.find("escape") != std::string::npos);
  e = parse(kHead + "\t1\t2\t0123456789abcdef\tx\n", m);
  REQUIRE(e);
  CHECK(e->message.find("empty path") != std::string::npos);

  CHECK(parse("", m));
  CHECK(parse("path\tsize\n", m)->line == 1);
  CHECK(parse("#dskit-manifest v2\troot=/\n", m)->message.find("version") != std::string::npos);
  CHECK(parse("#dskit-manifest v1\troot=/\n", m)->line == 2);
  CHECK(parse("#dskit-manifest v1\troot=/\nsize\n", m)->message.find("path") != std::string::npos);
  CHECK(parse("#dskit-manifest v1\troot=/\npath\tpath\n", m)->message.find("duplicate") != std::string::npos);
  CHECK(parse("#dskit-manifest v1\troot=/\thash=md5\npath\n", m)->message.find("md5") != std::string::npos);
  CHECK(parse("#dskit-manifest v1\troot=/\thash=xxh3-64\npath\n", m)->message.find("xxh3_64") !=
        std::string::npos);
}

TEST_CASE("paths that leave the root are refused unless allowed") {
  for (const char* p : {"../x", "a/../../x", "/etc/passwd", "a/.."}) {
    Manifest m;
    const std::string text = "#dskit-manifest v1\troot=/r\thash=none\npath\n" + std::string(p) + "\n";
    auto e = parse(text, m);
    REQUIRE(e);
    CHECK(e->line == 3);
    CHECK(e->message.find("--allow-outside-root") != std::string::npos);
    CHECK_FALSE(parse(text, m, true));
  }
  CHECK_FALSE(escapes_root("a/..b/c..d/.x"));
  CHECK(escapes_root(""));
}

TEST_CASE("empty lines and CRLF line ends are tolerated; --root overrides the recorded root") {
  Manifest m;
  LoadOptions lo;
  lo.root_override = "/elsewhere/./ds/";
  REQUIRE_FALSE(
      parse_manifest("#dskit-manifest v1\troot=/r\thash=none\r\npath\tsize\r\n\na\t1\r\n\n", "m", lo, m));
  CHECK(m.root == "/elsewhere/ds");
  REQUIRE(m.size() == 1);
  CHECK(m.path(0) == "a");
  CHECK(m.abs_path(0) == "/elsewhere/ds/a");
}

TEST_CASE("rows can be selected, repeated and looked up; columns added") {
  Manifest m = make_manifest("/r", HashAlgo::none, true);
  for (const char* p : {"c", "a", "b"}) {
    const std::size_t r = m.add_row();
    m.set_cell_raw(r, 0, p);
    m.set_cell_uint(r, static_cast<std::size_t>(m.size_col()), 1);
    m.set_cell_int(r, static_cast<std::size_t>(m.mtime_col()), 2);
    m.set_cell_uint(r, static_cast<std::size_t>(m.ino_col()), 3);
  }
  m.sort_by_path();
  CHECK(m.path(0) == "a");
  CHECK(m.find_sorted("b") == 1);
  CHECK(m.find_sorted("d") == Manifest::npos);
  const int split = m.add_column("split");
  m.set_cell(2, static_cast<std::size_t>(split), "val");
  const std::vector<std::size_t> rows = {2, 2, 0};
  m.select_rows(rows);
  CHECK(m.size() == 3);
  CHECK(m.path(1) == "c");
  CHECK(m.cell(1, static_cast<std::size_t>(split)) == "val");
  CHECK(m.cell(2, static_cast<std::size_t>(split)) == "");
  m.compact();
  CHECK(serialize(m) ==
        "#dskit-manifest v1\troot=/r\thash=none\npath\tsize\tmtime_ns\tino\tlabel\tsplit\n"
        "c\t1\t2\t3\t\tval\nc\t1\t2\t3\t\tval\na\t1\t2\t3\t\t\n");
}

TEST_CASE("hashes match xxhsum's known output") {
  std::string h;
  append_hash_hex(h, "", HashAlgo::xxh3_128);
  CHECK(h == "99aa06d3014798d86001c324468d497f");
  h.clear();
  append_hash_hex(h, "", HashAlgo::xxh3_64);
  CHECK(h == "2d06800538d394c2");
  h.clear();
  append_hash_hex(h, "hello", HashAlgo::xxh3_128);  // printf hello | xxhsum -H2
  CHECK(h == "b5e9c1ad071b3e7fc779cfaa5e523818");
  h.clear();
  append_hash_hex(h, "hello", HashAlgo::xxh3_64);  // printf hello | xxhsum -H3
  CHECK(h == "9555e8555c62dcfd");
  CHECK(hash_hex_len(HashAlgo::xxh3_128) == 32);
  CHECK(parse_hash_name("xxh3-64") == HashAlgo::xxh3_64);
  CHECK(parse_hash_name("xxh3_128") == HashAlgo::xxh3_128);
  CHECK_FALSE(parse_hash_name("md5"));
}

// In the "parallel" suite: large files are read ahead by two threads (CI runs this suite under TSan).
TEST_CASE("file hashing streams large files the same as hashing in one piece" *
          doctest::test_suite("parallel")) {
  test::TempTree t;
  std::string data;
  for (std::size_t i = 0; i < (3u << 20) + 12345; ++i)
    data.push_back(static_cast<char>((i * 2654435761u) >> 13));
  t.file("big", data);
  t.file("exact", data.substr(0, 1 << 20));
  t.file("empty", "");
  for (auto a : {HashAlgo::xxh3_128, HashAlgo::xxh3_64}) {
    for (std::size_t buf : {std::size_t{4096}, std::size_t{1} << 20}) {
      FileHasher fh(buf);
      for (const char* name : {"big", "exact", "empty"}) {
        const std::string content = std::string(name) == "big"     ? data
                                    : std::string(name) == "exact" ? data.substr(0, 1 << 20)
                                                                   : std::string();
        std::string want, got;
        append_hash_hex(want, content, a);
        uint64_t bytes = 0;
        REQUIRE(fh.hash_file(AT_FDCWD, t.path(name).c_str(), a, got, &bytes) == 0);
        CHECK(got == want);
        CHECK(bytes == content.size());
      }
    }
  }
  FileHasher fh;
  std::string got;
  const char* op = nullptr;
  CHECK(fh.hash_file(AT_FDCWD, t.path("nope").c_str(), HashAlgo::xxh3_128, got, nullptr, &op) == ENOENT);
  CHECK(std::string(op) == "open");
}

TEST_CASE("labels: folder, depth, regex, CSV") {
  std::unique_ptr<Labeler> l;
  REQUIRE_FALSE(Labeler::create({}, l));
  CHECK(l->label("cat/1.jpg") == "cat");
  CHECK(l->label("cat/sub/1.jpg") == "cat");
  CHECK(l->label("1.jpg") == "");
  LabelOptions o;
  o.mode = LabelOptions::Mode::depth;
  o.depth = 2;
  REQUIRE_FALSE(Labeler::create(o, l));
  CHECK(l->label("train/cat/1.jpg") == "cat");
  CHECK(l->label("train/1.jpg") == "");
  o.mode = LabelOptions::Mode::regex;
  o.regex = "_([a-z]+)\\.jpg$";
  REQUIRE_FALSE(Labeler::create(o, l));
  CHECK(l->label("x/img_dog.jpg") == "dog");
  CHECK(l->label("x/img.png") == "");
  o.regex = "no group";
  CHECK(Labeler::create(o, l));
  o.regex = "(";
  CHECK(Labeler::create(o, l));

  test::TempTree t;
  t.file("labels.csv", "id,label\na/1.jpg,cat\n\"b,2.jpg\",\"say \"\"hi\"\"\"\r\n");
  o.mode = LabelOptions::Mode::csv;
  o.csv_file = t.path("labels.csv");
  REQUIRE_FALSE(Labeler::create(o, l));
  CHECK(l->label("a/1.jpg") == "cat");
  CHECK(l->label("b,2.jpg") == "say \"hi\"");
  CHECK(l->label("c.jpg") == "");
  o.csv_file = t.path("missing.csv");
  CHECK(Labeler::create(o, l));
  for (const char* spec : {"folder", "none", "depth:3", "regex:a(b)", "csv:/x.csv"})
    CHECK(label_spec(*parse_label_spec(spec)) == spec);
  CHECK_FALSE(parse_label_spec("depth:0"));
}

TEST_CASE("build: sorted, hashed, labelled; update after changes equals a fresh build") {
  test::TempTree t;
  t.file("cat/1.jpg", "one");
  t.file("cat/2.jpg", "two");
  t.file("dog/sub/3.jpg", "three");
  t.file("top.txt", "top");
  t.file(".hidden/x", "h");
  BuildOptions bo;
  bo.threads = 3;
  bo.sel.no_hidden = true;
  BuildResult r = build_manifest(t.root(), bo);
  REQUIRE(r.errors.empty());
  Manifest& m = r.manifest;
  REQUIRE(m.size() == 4);
  CHECK(m.path(0) == "cat/1.jpg");
  CHECK(m.path(3) == "top.txt");
  CHECK(m.label(2) == "dog");
  CHECK(m.label(3) == "");
  std::string want;
  append_hash_hex(want, "three", HashAlgo::xxh3_128);
  CHECK(m.hash_hex(2) == want);
  CHECK(m.file_size(2) == 5);

  // Round trip through text.
  Manifest loaded;
  REQUIRE_FALSE(parse(serialize(m), loaded));
  CHECK(serialize(loaded) == serialize(m));

  // Change the tree: modify (same size), add, remove, rename.
  t.file("cat/1.jpg", "ONE");
  struct timespec ts[2] = {{0, UTIME_OMIT}, {12345, 0}};
  ::utimensat(AT_FDCWD, t.path("cat/1.jpg").c_str(), ts, 0);
  t.file("bird/4.jpg", "four");
  ::unlink(t.path("top.txt").c_str());
  ::rename(t.path("cat/2.jpg").c_str(), t.path("dog/2.jpg").c_str());
  UpdateResult u = update_manifest(loaded, 2);
  REQUIRE(u.setup_error.empty());
  CHECK(u.errors.empty());
  CHECK(u.added == 2);
  CHECK(u.removed == 2);
  CHECK(u.rehashed == 1);
  CHECK(u.modified == 1);
  CHECK(u.unchanged == 1);
  BuildResult fresh = build_manifest(t.root(), bo);
  CHECK(serialize(u.manifest) == serialize(fresh.manifest));
}

TEST_CASE("verify finds missing, changed and new files") {
  test::TempTree t;
  t.file("a", "1");
  t.file("b", "2");
  t.file("c", "3");
  BuildOptions bo;
  BuildResult r = build_manifest(t.root(), bo);
  REQUIRE(r.manifest.size() == 3);
  VerifyResult v = verify_manifest(r.manifest, {});
  CHECK(v.issues.empty());
  ::unlink(t.path("a").c_str());
  t.file("b", "22");
  t.file("d", "4");
  struct stat st {};
  ::stat(t.path("c").c_str(), &st);
  t.file("c", "X");  // same size; restore the mtime so only --full notices
  struct timespec ts[2] = {{0, UTIME_OMIT}, st.st_mtim};
  ::utimensat(AT_FDCWD, t.path("c").c_str(), ts, 0);
  v = verify_manifest(r.manifest, {});
  CHECK(v.missing == 1);
  CHECK(v.changed == 1);
  CHECK(v.added == 1);
  VerifyOptions full;
  full.full = true;
  v = verify_manifest(r.manifest, full);
  CHECK(v.changed == 2);
  REQUIRE(v.issues.size() == 4);
  CHECK(v.issues[2].path == "c");
  CHECK(v.issues[2].detail == "content");
}

TEST_CASE("atomic writes leave nothing behind on failure") {
  test::TempTree t;
  auto e = write_file_atomic(t.path("no/such/dir/m.tsv"), "x");
  REQUIRE(e);
  CHECK(e->err == ENOENT);
  REQUIRE_FALSE(write_file_atomic(t.path("m.tsv"), "hello"));
  ::chmod(t.path("m.tsv").c_str(), 0640);
  REQUIRE_FALSE(write_file_atomic(t.path("m.tsv"), "again"));
  struct stat st {};
  ::stat(t.path("m.tsv").c_str(), &st);
  CHECK((st.st_mode & 0777) == 0640);  // the mode of the replaced file is kept
  Manifest m;
  REQUIRE_FALSE(load_manifest(t.path("m.tsv"), {}, m) == std::nullopt);  // "again" is not a manifest
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& ent : std::filesystem::directory_iterator(t.root())) ++n;
  CHECK(n == 1);
  auto le = load_manifest(t.path("missing.tsv"), {}, m);
  REQUIRE(le);
  CHECK(le->err == ENOENT);
}
