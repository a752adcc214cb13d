#include "dskit/image/source.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "dskit/image/cv_source.h"
#include "dskit/image/tiff_source.h"
#include "temp_tree.h"

using namespace dskit::image;

namespace {

cv::Mat random_image(int cols, int rows) {
  cv::Mat m(rows, cols, CV_8UC3);
  cv::randu(m, cv::Scalar(0, 0, 0), cv::Scalar(256, 256, 256));
  return m;
}

// A little-endian, 8-bit grey TIFF whose one strip claims `width` x `rows` pixels (rows-per-strip `rows`),
// holding 16 bytes of PackBits data (compressed, so libtiff does not chop the strip into smaller ones): a
// run of 16 bytes of 0x80, then padding.
std::string one_strip_tiff(uint32_t width, uint32_t rows) {
  std::string b("II*\0", 4);
  auto u16 = [&](uint32_t v) { b += char(v & 0xFF), b += char((v >> 8) & 0xFF); };
  auto u32 = [&](uint32_t v) { u16(v & 0xFFFF), u16(v >> 16); };
  u32(8 + 16);  // the IFD follows the 16 data bytes
  b += std::string("\xF1\x80", 2) + std::string(14, '\0');
  const std::vector<std::array<uint32_t, 3>> tags = {{256, 4, width}, {257, 4, rows}, {258, 3, 8},
                                                     {259, 3, 32773}, {262, 3, 1},    {273, 4, 8},
                                                     {277, 3, 1},     {278, 4, rows}, {279, 4, 16}};
  u16(uint32_t(tags.size()));
  for (const auto& [tag, type, value] : tags) {
    u16(tag), u16(type), u32(1);
    if (type == 3)
      u16(value), u16(0);
    else
      u32(value);
  }
  u32(0);
  return b;
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

TEST_CASE("image source: a TIFF strip above the decoding budget is refused before its buffer exists") {
  dskit::test::TempTree t;
  // 10^6 x 10^6 pixels in one strip: libtiff sizes it 1 TB, from the header alone.
  t.file("huge.tif", one_strip_tiff(1000000, 1000000));
  std::string err;
  auto src = open_tiff(t.path("huge.tif"), err);
  REQUIRE_MESSAGE(src, err);
  cv::Mat out;
  auto e = src->reader(1 << 20)->read(0, 0, 0, 16, 16, out);
  REQUIRE(e);
  CHECK(e->find("strip 0 (column 0, row 0) of level 0: 1000000x1000000 pixels, above the decoding budget of "
                "268435456 pixels") == 0);
  // A strip that fits reads back exactly; the same strip is refused under a smaller budget.
  t.file("small.tif", one_strip_tiff(4, 4));
  src = open_tiff(t.path("small.tif"), err);
  REQUIRE_MESSAGE(src, err);
  REQUIRE(!src->reader(1 << 20)->read(0, 0, 0, 4, 4, out));
  CHECK(out.at<cv::Vec3b>(3, 3) == cv::Vec3b(0x80, 0x80, 0x80));
  src = open_tiff(t.path("small.tif"), err, 15);
  REQUIRE_MESSAGE(src, err);
  e = src->reader(1 << 20)->read(0, 0, 0, 4, 4, out);
  REQUIRE(e);
  CHECK(e->find("4x4 pixels, above the decoding budget of 15 pixels") != std::string::npos);
}

TEST_CASE("image source: the best level for a downsample") {
  const std::vector<Level> levels = {{1000, 1000, 1}, {500, 500, 2}, {250, 250, 4}, {125, 125, 8}};
  CHECK(best_level(levels, 1) == 0);
  CHECK(best_level(levels, 1.9) == 0);
  CHECK(best_level(levels, 2) == 1);
  CHECK(best_level(levels, 5) == 2);
  CHECK(best_level(levels, 100) == 3);
}

TEST_CASE("aperio_mpp reads the MPP field of an Aperio description, as OpenSlide does") {
  CHECK(aperio_mpp("Aperio Image Library v12.0.15\r\n46000x32914 [0,100 46000x32814] (256x256) JPEG/RGB "
                   "Q=70|AppMag = 20|StripeWidth = 2040|MPP = 0.4990|Left = 25.691") ==
        doctest::Approx(0.499));
  CHECK(aperio_mpp("Aperio Image Library v10\n1x1|MPP=0.25") == doctest::Approx(0.25));
  CHECK(aperio_mpp("Aperio Image Library v10\n1x1|AppMag = 40|MPP = 0.25") == doctest::Approx(0.25));
  // Not Aperio's, no MPP, or a value that is not a positive number: 0 (the resolution tags decide).
  CHECK(aperio_mpp("ImageJ=1.52|MPP = 0.25") == 0);
  CHECK(aperio_mpp("Aperio Image Library v10\n1x1|AppMag = 40") == 0);
  CHECK(aperio_mpp("Aperio Image Library v10\n1x1|MPP = -1") == 0);
  CHECK(aperio_mpp("Aperio Image Library v10\n1x1|MPP = 0.25um") == 0);
  CHECK(aperio_mpp("Aperio Image Library v10\n1x1|MPP = nan") == 0);
  CHECK(aperio_mpp("Aperio MPP = 0.25") == 0);  // a field comes after a '|'
}
