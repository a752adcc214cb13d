// dsbalance's inputs on hostile files (issue 12): a file that shrinks or grows while it is read is an error
// (the COCO reader read it through a mapping, where truncation was a SIGBUS), duplicate COCO category ids are
// an error naming the id in both parsers, a UTF-8 byte order mark is skipped in a CSV and a --map file, and
// the format table.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "dskit/balance/balance.h"
#include "dskit/balance/inputs/coco.h"
#include "dskit/balance/inputs/file.h"
#include "dskit/balance/inputs/input.h"
#include "temp_tree.h"

using namespace dskit;
using dskit::test::TempTree;

TEST_CASE("balance inputs: a file that shrinks or grows after its stat is an error, not a fault") {
  TempTree t;
  t.file("f.json", "0123456789");
  const int fd = ::open(t.path("f.json").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::string out;
  // Stat said 20 bytes; the file holds 10 by the time it is read (truncated by another process).
  auto err = read_regular_fd(fd, "f.json", 20, 4, out);
  REQUIRE(err);
  CHECK(*err == "f.json: the file shrank while it was read");
  // Stat said 5 bytes; more follow.
  REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  err = read_regular_fd(fd, "f.json", 5, 4, out);
  REQUIRE(err);
  CHECK(*err == "f.json: the file grew while it was read");
  // The size it has: read whole, then the zero padding.
  REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  REQUIRE_FALSE(read_regular_fd(fd, "f.json", 10, 4, out));
  CHECK(out == std::string("0123456789\0\0\0\0", 14));
  ::close(fd);

  std::string whole;
  REQUIRE_FALSE(read_input_file(t.path("f.json"), false, 2, whole));
  CHECK(whole == std::string("0123456789\0\0", 12));
  err = read_input_file(t.path(""), false, 0, whole);
  REQUIRE(err);
  CHECK(err->ends_with(": is a directory"));
  err = read_input_file("/dev/null", false, 0, whole);
  REQUIRE(err);
  CHECK(*err == "/dev/null: not a regular file");
  REQUIRE_FALSE(read_input_file("/dev/null", true, 1, whole));  // a stream when asked for: empty
  CHECK(whole == std::string(1, '\0'));
}

TEST_CASE("balance inputs: duplicate COCO category ids are an error naming the id") {
  TempTree t;
  t.file("dup.json", R"({"annotations": [{"image_id": 1, "category_id": 5}, {"image_id": 1, "category_id": 5},
  {"image_id": 2, "category_id": 9}, {"image_id": 2, "category_id": 9}],
 "images": [{"id": 1}, {"id": 2}],
 "categories": [{"id": 9, "name": "a"}, {"id": 5, "name": "b"}, {"id": 9, "name": "c"}, {"id": 5, "name": "d"}]})");
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{40}}) {
    CAPTURE(chunk);
    AnnotationOptions o;
    o.json_chunk = chunk ? chunk : std::size_t{1} << 40;  // whole-file parse, or chunks
    AnnotationResult r;
    const auto err = coco_histogram(t.path("dup.json"), o, r);
    REQUIRE(err);
    CHECK(err->ends_with("dup.json: category id 9 is listed twice in \"categories\""));
  }
}

TEST_CASE("balance inputs: a CSV with a UTF-8 byte order mark") {
  TempTree t;
  t.file("bom.csv", "\xEF\xBB\xBFid,label\na,cat\nb,dog\nc,dog\n");
  LabelHistogram h;
  REQUIRE_FALSE(csv_histogram(t.path("bom.csv"), {}, h));
  CHECK(h.raw.at("cat") == 1);
  CHECK(h.raw.at("dog") == 2);
  // Only at the very start: elsewhere the bytes belong to a field.
  t.file("mid.csv",
         "id,label\na,\xEF\xBB\xBF"
         "cat\n");
  LabelHistogram m;
  REQUIRE_FALSE(csv_histogram(t.path("mid.csv"), {}, m));
  CHECK(m.raw.count("\xEF\xBB\xBF"
                    "cat") == 1);
}

TEST_CASE("balance inputs: a --map file with a UTF-8 byte order mark") {
  TempTree t;
  t.file("map.csv", "\xEF\xBB\xBFold,new\ncat,feline\n");
  std::vector<std::pair<std::string, std::string>> m;
  REQUIRE_FALSE(load_label_map(t.path("map.csv"), m));
  REQUIRE(m.size() == 1);  // the header row is recognised as one
  CHECK(m[0] == std::pair<std::string, std::string>("cat", "feline"));
}

TEST_CASE("balance inputs: the format table names, detects and reads every format") {
  CHECK(balance_format_names() == "manifest, imagefolder, csv, coco, yolo, voc");
  for (const auto& f : balance_input_formats()) {
    CAPTURE(f.name);
    CHECK(parse_balance_format(f.name) == f.id);
    CHECK(balance_format_name(f.id) == f.name);
    CHECK(&balance_input_format(f.id) == &f);
  }
  TempTree t;
  t.file("l.csv", "id,label\na,cat\nb,cat\n");
  InputData d;
  REQUIRE_FALSE(read_balance_input(BalanceFormat::csv, t.path("l.csv"), {}, d));
  CHECK(d.hist.raw.at("cat") == 2);
  CHECK(d.multi_label);
  CHECK_FALSE(d.annotated);
  InputData coco;
  const auto err = read_balance_input(BalanceFormat::coco, "/dev/null", {}, coco);
  REQUIRE(err);
  CHECK(*err == "/dev/null: not a regular file or directory");
  BalanceFormat f{};
  const auto derr = detect_balance_format("/dev/null", f);
  REQUIRE(derr);
  CHECK(derr->starts_with("/dev/null: not a regular file or directory"));
}
