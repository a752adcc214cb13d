// dsbalance's annotation inputs: COCO JSON, YOLO, Pascal VOC; units, crowd, difficult, unknown ids, errors.
#include <doctest/doctest.h>

#include <string>

#include "dskit/balance/inputs/coco.h"
#include "dskit/balance/inputs/input.h"
#include "dskit/balance/inputs/voc.h"
#include "dskit/balance/inputs/yolo.h"
#include "temp_tree.h"

using namespace dskit;
using dskit::test::TempTree;

namespace {

uint64_t count_of(const AnnotationResult& r, const std::string& name) {
  const auto it = r.histogram.raw.find(name);
  return it == r.histogram.raw.end() ? 0 : it->second;
}

// Categories 1 person, 3 car, 90 toothbrush (non-contiguous, listed out of order, after the annotations).
// Image 1: person x2 (one crowd), car; image 2: car x2, toothbrush; image 3: nothing; image 4: category 7.
const char* kCoco = R"({
  "info": {"year": 2017, "nested": [1, {"a": [2, 3]}]},
  "images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"},
             {"id": 3, "file_name": "c.jpg"}, {"id": 4, "file_name": "d.jpg"}],
  "annotations": [
    {"id": 10, "image_id": 1, "category_id": 1, "iscrowd": 0, "bbox": [0, 0, 1, 1]},
    {"id": 11, "image_id": 1, "category_id": 1, "iscrowd": 1, "segmentation": {"counts": [1, 2]}},
    {"id": 12, "image_id": 1, "category_id": 3, "iscrowd": 0},
    {"id": 13, "image_id": 2, "category_id": 3},
    {"id": 14, "image_id": 2, "category_id": 3, "iscrowd": 0},
    {"id": 15, "image_id": 2, "category_id": 90, "iscrowd": 0},
    {"id": 16, "image_id": 4, "category_id": 7, "iscrowd": 0}
  ],
  "categories": [{"id": 90, "name": "toothbrush"}, {"id": 1, "name": "person", "supercategory": "human"},
                 {"id": 3, "name": "car"}]
})";

}  // namespace

TEST_CASE("COCO: non-contiguous ids, crowd, unknown category, unannotated image, per instance") {
  TempTree t;
  t.file("instances.json", kCoco);
  AnnotationResult r;
  REQUIRE_FALSE(coco_histogram(t.path("instances.json"), {}, r));
  CHECK(r.histogram.declared == std::vector<std::string>{"person", "car", "toothbrush"});
  CHECK(count_of(r, "person") == 2);
  CHECK(count_of(r, "car") == 3);
  CHECK(count_of(r, "toothbrush") == 1);
  CHECK(r.crowd == 1);
  CHECK(r.skipped == 0);
  CHECK(r.instances == 6);
  CHECK(r.unknown == 1);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("category_id 7") != std::string::npos);
  CHECK(r.images == 4);
  CHECK(r.unannotated == 1);
}

TEST_CASE("COCO: --no-crowd and --unit images") {
  TempTree t;
  t.file("instances.json", kCoco);
  AnnotationOptions o;
  o.crowd = false;
  AnnotationResult r;
  REQUIRE_FALSE(coco_histogram(t.path("instances.json"), o, r));
  CHECK(count_of(r, "person") == 1);
  CHECK(count_of(r, "car") == 3);
  CHECK(r.skipped == 1);
  CHECK(r.unannotated == 1);

  AnnotationOptions oi;
  oi.unit = CountUnit::images;
  AnnotationResult ri;
  REQUIRE_FALSE(coco_histogram(t.path("instances.json"), oi, ri));
  CHECK(count_of(ri, "person") == 1);
  CHECK(count_of(ri, "car") == 2);
  CHECK(count_of(ri, "toothbrush") == 1);
}

namespace {

// The COCO result with the annotations array read in chunks of `chunk` bytes (0: the whole file at once).
AnnotationResult coco_chunked(const std::string& file, std::size_t chunk, AnnotationOptions o = {}) {
  o.json_chunk = chunk ? chunk : std::size_t{1} << 40;
  AnnotationResult r;
  const auto err = coco_histogram(file, o, r);
  INFO(err.value_or(""));
  REQUIRE_FALSE(err);
  if (chunk) CHECK(r.json_chunks > 0);
  if (!chunk) CHECK(r.json_chunks == 0);
  return r;
}

void check_same(const AnnotationResult& a, const AnnotationResult& b) {
  CHECK(a.histogram.raw == b.histogram.raw);
  CHECK(a.histogram.declared == b.histogram.declared);
  CHECK(a.images == b.images);
  CHECK(a.unannotated == b.unannotated);
  CHECK(a.instances == b.instances);
  CHECK(a.crowd == b.crowd);
  CHECK(a.skipped == b.skipped);
  CHECK(a.unknown == b.unknown);
  CHECK(a.warnings == b.warnings);
}

}  // namespace

TEST_CASE("COCO: the annotations array read in chunks gives the whole file's counts") {
  TempTree t;
  t.file("instances.json", kCoco);
  const AnnotationResult whole = coco_chunked(t.path("instances.json"), 0);
  CHECK(count_of(whole, "car") == 3);
  for (std::size_t chunk : {1, 16, 40, 100, 200}) {
    CAPTURE(chunk);
    check_same(coco_chunked(t.path("instances.json"), chunk), whole);
    AnnotationOptions o;
    o.crowd = false;
    o.unit = CountUnit::images;
    check_same(coco_chunked(t.path("instances.json"), chunk, o),
               coco_chunked(t.path("instances.json"), 0, o));
  }
  // Annotations first; objects nested in annotations ("},{" inside one); a decoy "annotations" key
  // nested before the top-level one; a string holding "},{"; string image ids; whitespace around commas.
  const std::string odd_text =
      R"({"info": {"annotations": [{"category_id": 1, "image_id": 1}, {"category_id": 1}]},
 "annotations" : [ {"image_id": "a", "category_id": 2, "attributes": [{"x": 1} , {"y": "},{"}]},
   {"image_id": "b", "category_id": 2, "note": "}, {\"category_id\": 1}"} ,
   {"image_id": "a", "category_id": 1, "iscrowd": true}, {"image_id": "c", "category_id": 5} ],
 "images": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
 "categories": [{"id": 2, "name": "two"}, {"id": 1, "name": "one"}]})";
  t.file("odd.json", odd_text);
  const AnnotationResult odd = coco_chunked(t.path("odd.json"), 0);
  CHECK(count_of(odd, "one") == 1);
  CHECK(count_of(odd, "two") == 2);
  CHECK(odd.unknown == 1);
  CHECK(odd.images == 4);
  CHECK(odd.unannotated == 1);
  for (std::size_t chunk : {1, 8, 30, 60, 100}) {
    CAPTURE(chunk);
    AnnotationOptions o;
    o.json_chunk = chunk;
    AnnotationResult r;
    REQUIRE_FALSE(coco_histogram(t.path("odd.json"), o, r));
    check_same(r, odd);
  }
  // The same without the decoy: read in chunks (the nested and quoted "},{" are rejected as cuts).
  std::string plain = odd_text;
  plain.replace(0, plain.find("\n") + 1, "{");
  t.file("plain.json", plain);
  const AnnotationResult whole_plain = coco_chunked(t.path("plain.json"), 0);
  CHECK(whole_plain.histogram.raw == odd.histogram.raw);
  CHECK(whole_plain.unannotated == odd.unannotated);
  for (std::size_t chunk : {1, 8, 30, 60, 100}) {
    CAPTURE(chunk);
    check_same(coco_chunked(t.path("plain.json"), chunk), whole_plain);
  }
  CHECK(coco_chunked(t.path("plain.json"), 1).json_chunks == 4);  // cut after annotations 1, 2 and 3
  // The annotations array last, and an empty one.
  t.file("last.json", R"({"categories": [{"id": 4, "name": "four"}], "images": [{"id": 1}, {"id": 2}],
  "annotations": [{"image_id": 1, "category_id": 4}, {"image_id": 1, "category_id": 4}]})");
  t.file("none.json", R"({"annotations": [], "images": [{"id": 1}, {"id": 2}, {"id": 3}],
  "categories": [{"id": 4, "name": "four"}]})");
  for (std::size_t chunk : {1, 5, 20}) {
    CAPTURE(chunk);
    const AnnotationResult last = coco_chunked(t.path("last.json"), chunk);
    CHECK(count_of(last, "four") == 2);
    CHECK(last.unannotated == 1);
    const AnnotationResult none = coco_chunked(t.path("none.json"), chunk);
    CHECK(none.instances == 0);
    CHECK(none.unannotated == 3);
  }
  // Broken JSON in a chunk: the whole-file parse's message (file, position).
  std::string bad = kCoco;
  bad.replace(bad.find("\"category_id\": 3}"), 17, "\"category_id\": }");
  t.file("bad.json", bad);
  AnnotationOptions o;
  o.json_chunk = 16;
  AnnotationResult rb, rw;
  const auto e1 = coco_histogram(t.path("bad.json"), o, rb);
  const auto e2 = coco_histogram(t.path("bad.json"), {}, rw);
  REQUIRE(e1);
  REQUIRE(e2);
  CHECK(*e1 == *e2);
  CHECK(e1->find("byte offset") != std::string::npos);
}

TEST_CASE("COCO: broken JSON names the file and the position") {
  TempTree t;
  t.file("bad.json", "{\"images\": [{\"id\": 1}],\n \"annotations\": [{\"id\": 1, \"category_id\": }]}");
  AnnotationResult r;
  const auto err = coco_histogram(t.path("bad.json"), {}, r);
  REQUIRE(err);
  CHECK(err->find(t.path("bad.json")) != std::string::npos);
  CHECK(err->find("byte offset") != std::string::npos);
  CHECK(err->find("line 2") != std::string::npos);

  t.file("notcoco.json", "[1, 2, 3]");
  AnnotationResult r2;
  REQUIRE(coco_histogram(t.path("notcoco.json"), {}, r2));
  AnnotationResult r3;
  const auto missing = coco_histogram(t.path("nosuch.json"), {}, r3);
  REQUIRE(missing);
  CHECK(missing->find("nosuch.json") != std::string::npos);
}

TEST_CASE("YOLO: names as a list, an empty label file, an unknown class id, both units") {
  TempTree t;
  t.file("ds/data.yaml", "path: .\ntrain: images/train\nnames: [cat, dog, bird]\n");
  t.file("ds/labels/train/a.txt", "0 0.5 0.5 0.1 0.1\n0 0.2 0.2 0.1 0.1\n1 0.5 0.5 0.2 0.2\n");
  t.file("ds/labels/val/b.txt", "1 0.5 0.5 0.1 0.1\n5 0.1 0.1 0.1 0.1\n\n");
  t.file("ds/labels/train/empty.txt", "");
  BalanceFormat f{};
  REQUIRE_FALSE(detect_balance_format(t.path("ds"), f));
  CHECK(f == BalanceFormat::yolo);
  AnnotationResult r;
  REQUIRE_FALSE(yolo_histogram(t.path("ds"), {}, r));
  CHECK(r.histogram.declared == std::vector<std::string>{"cat", "dog", "bird"});
  CHECK(count_of(r, "cat") == 2);
  CHECK(count_of(r, "dog") == 2);
  CHECK(count_of(r, "bird") == 0);
  CHECK(r.images == 3);
  CHECK(r.unannotated == 1);
  CHECK(r.unknown == 1);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("class id 5") != std::string::npos);

  AnnotationOptions o;
  o.unit = CountUnit::images;
  AnnotationResult ri;
  REQUIRE_FALSE(yolo_histogram(t.path("ds"), o, ri));
  CHECK(count_of(ri, "cat") == 1);
  CHECK(count_of(ri, "dog") == 2);
}

TEST_CASE("YOLO: names as a map, data.yml") {
  TempTree t;
  t.file("ds/data.yml", "names:\n  0: person\n  2: car\n  7: truck\n");
  t.file("ds/labels/x.txt", "2 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n7 0.1 0.1 0.1 0.1\n1 0 0 0 0\n");
  AnnotationResult r;
  REQUIRE_FALSE(yolo_histogram(t.path("ds"), {}, r));
  CHECK(r.histogram.declared == std::vector<std::string>{"person", "car", "truck"});
  CHECK(count_of(r, "car") == 1);
  CHECK(count_of(r, "truck") == 2);
  CHECK(r.unknown == 1);
}

TEST_CASE("YOLO: broken YAML gives file and line") {
  TempTree t;
  t.file("ds/data.yaml", "train: images\nnames: [cat, dog\nnc: 2\n");
  t.dir("ds/labels");
  AnnotationResult r;
  const auto err = yolo_histogram(t.path("ds"), {}, r);
  REQUIRE(err);
  CHECK(err->find(t.path("ds/data.yaml") + ":") != std::string::npos);
  t.file("ds2/data.yaml", "train: images\n");
  t.dir("ds2/labels");
  AnnotationResult r2;
  const auto err2 = yolo_histogram(t.path("ds2"), {}, r2);
  REQUIRE(err2);
  CHECK(err2->find("names") != std::string::npos);
}

TEST_CASE("VOC: difficult objects skipped unless included; unit images; detection") {
  TempTree t;
  t.file("voc/Annotations/1.xml",
         "<annotation><filename>1.jpg</filename>"
         "<object><name>dog</name><difficult>0</difficult></object>"
         "<object><name>dog</name><difficult>1</difficult></object>"
         "<object><name> cat </name></object></annotation>");
  t.file("voc/Annotations/2.xml",
         "<annotation><object><name>dog</name><difficult>0</difficult></object></annotation>");
  t.file("voc/Annotations/3.xml", "<annotation><filename>3.jpg</filename></annotation>");
  t.dir("voc/JPEGImages");
  BalanceFormat f{};
  REQUIRE_FALSE(detect_balance_format(t.path("voc"), f));
  CHECK(f == BalanceFormat::voc);
  AnnotationResult r;
  REQUIRE_FALSE(voc_histogram(t.path("voc"), {}, r));
  CHECK(count_of(r, "dog") == 2);
  CHECK(count_of(r, "cat") == 1);
  CHECK(r.skipped == 1);
  CHECK(r.images == 3);
  CHECK(r.unannotated == 1);

  AnnotationOptions o;
  o.include_difficult = true;
  AnnotationResult rd;
  REQUIRE_FALSE(voc_histogram(t.path("voc"), o, rd));
  CHECK(count_of(rd, "dog") == 3);
  CHECK(rd.skipped == 0);

  o.unit = CountUnit::images;
  AnnotationResult ri;
  REQUIRE_FALSE(voc_histogram(t.path("voc"), o, ri));
  CHECK(count_of(ri, "dog") == 2);
  CHECK(count_of(ri, "cat") == 1);
}

TEST_CASE("VOC: broken XML gives file and offset") {
  TempTree t;
  t.file("voc/Annotations/bad.xml", "<annotation><object><name>dog</name></object>");
  AnnotationResult r;
  const auto err = voc_histogram(t.path("voc"), {}, r);
  REQUIRE(err);
  CHECK(err->find("bad.xml: invalid XML at byte offset") != std::string::npos);
}

TEST_CASE("format detection and names: json, --format, --unit") {
  TempTree t;
  t.file("x.json", "{}");
  BalanceFormat f{};
  REQUIRE_FALSE(detect_balance_format(t.path("x.json"), f));
  CHECK(f == BalanceFormat::coco);
  CHECK(parse_balance_format("coco") == BalanceFormat::coco);
  CHECK(parse_balance_format("yolo") == BalanceFormat::yolo);
  CHECK(parse_balance_format("voc") == BalanceFormat::voc);
  CHECK(balance_format_name(BalanceFormat::voc) == "voc");
  CHECK(parse_count_unit("images") == CountUnit::images);
  CHECK_FALSE(parse_count_unit("boxes"));
  t.dir("plain/a");
  REQUIRE_FALSE(detect_balance_format(t.path("plain"), f));
  CHECK(f == BalanceFormat::imagefolder);
}
