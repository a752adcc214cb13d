#include "dskit/image/source.h"

#include <doctest/doctest.h>

#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "dskit/image/cv_source.h"
#include "temp_tree.h"

using namespace dskit::image;

namespace {

cv::Mat random_image(int cols, int rows) {
  cv::Mat m(rows, cols, CV_8UC3);
  cv::randu(m, cv::Scalar(0, 0, 0), cv::Scalar(256, 256, 256));
  return m;
}

bool same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

TEST_CASE("image source: PNG and striped TIFF regions read back exactly") {
  dskit::test::TempTree t;
  const cv::Mat img = random_image(300, 200);
  REQUIRE(cv::imwrite(t.path("a.png"), img));
  REQUIRE(cv::imwrite(t.path("a.tif"), img, {cv::IMWRITE_TIFF_COMPRESSION, 1}));
  for (const char* name : {"a.png", "a.tif"}) {
    CAPTURE(name);
    std::string err;
    auto src = open_image(t.path(name), ReaderKind::automatic, err);
    REQUIRE_MESSAGE(src, err);
    CHECK(src->kind() == (std::string(name) == "a.png" ? "opencv" : "tiff"));
    REQUIRE(src->levels().size() == 1);
    CHECK(src->levels()[0].width == 300);
    CHECK(src->levels()[0].height == 200);
    auto r = src->reader(1 << 20);
    cv::Mat out;
    for (const cv::Rect rc :
         {cv::Rect(0, 0, 300, 200), cv::Rect(17, 33, 100, 150), cv::Rect(299, 199, 1, 1)}) {
      REQUIRE(!r->read(0, rc.x, rc.y, rc.width, rc.height, out));
      CHECK(same(out, img(rc)));
    }
    CHECK(r->read(0, 250, 0, 100, 10, out));  // outside the image
  }
}

TEST_CASE("image source: unsupported and corrupt files are refused with a reason") {
  dskit::test::TempTree t;
  t.file("notes.txt", "hello, not an image\n");
  t.file("bad.tif", std::string("II*\0\x08\0\0\0garbage", 15));
  std::string err;
  CHECK(!open_image(t.path("notes.txt"), ReaderKind::automatic, err));
  CHECK(err == "unsupported image format");
  err.clear();
  CHECK(!open_image(t.path("bad.tif"), ReaderKind::automatic, err));
  CHECK(!err.empty());
  err.clear();
  CHECK(!open_image(t.path("missing.tif"), ReaderKind::automatic, err));
  CHECK(err == "No such file or directory");
  CHECK(parse_reader_kind("openslide") == ReaderKind::openslide);
  CHECK(!parse_reader_kind("vips"));
}

TEST_CASE("image source: the best level for a downsample") {
  const std::vector<Level> levels = {{1000, 1000, 1}, {500, 500, 2}, {250, 250, 4}, {125, 125, 8}};
  CHECK(best_level(levels, 1) == 0);
  CHECK(best_level(levels, 1.9) == 0);
  CHECK(best_level(levels, 2) == 1);
  CHECK(best_level(levels, 5) == 2);
  CHECK(best_level(levels, 100) == 3);
}
