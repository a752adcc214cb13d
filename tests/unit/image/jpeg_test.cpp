// JPEG inputs decoded with libjpeg's warnings as errors (read_whole_image, check_kept_chip): the pixels are
// those OpenCV gives, EXIF orientation is applied as OpenCV applies it, and a stream libjpeg only warns about
// (bytes flipped in the entropy-coded data, the end-of-image marker intact) is an error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "dskit/image/chip.h"
#include "dskit/image/cv_source.h"
#include "temp_tree.h"

using namespace dskit::image;

namespace {

std::vector<unsigned char> noise_jpeg(int w, int h, int type) {
  cv::Mat img(h, w, type);
  cv::randn(img, cv::Scalar::all(128), cv::Scalar::all(40));
  std::vector<unsigned char> out;
  REQUIRE(cv::imencode(".jpg", img, out, {cv::IMWRITE_JPEG_QUALITY, 90}));
  return out;
}

// Offset of the entropy-coded data (after the SOS segment).
std::size_t scan_start(const std::vector<unsigned char>& b) {
  std::size_t i = 2;
  while (i + 4 <= b.size() && b[i] == 0xFF) {
    const std::size_t len = std::size_t(b[i + 2]) << 8 | b[i + 3];
    if (b[i + 1] == 0xDA) return i + 2 + len;
    i += 2 + len;
  }
  FAIL("no SOS marker");
  return 0;
}

// Eight bytes in the middle of the scan XORed with 0x5A (never making or breaking an 0xFF).
std::vector<unsigned char> flip_scan_bytes(std::vector<unsigned char> b) {
  const std::size_t at = (scan_start(b) + b.size()) / 2;
  for (std::size_t k = at; k < at + 8; ++k)
    if (b[k] != 0xFF && (b[k] ^ 0x5A) != 0xFF) b[k] ^= 0x5A;
  return b;
}

// `jpeg` with an EXIF APP1 segment (little-endian, IFD0 holding only Orientation) after its SOI.
std::vector<unsigned char> with_orientation(const std::vector<unsigned char>& jpeg, unsigned orientation) {
  const unsigned char app1[] = {0xFF,
                                0xE1,
                                0x00,
                                0x22,
                                'E',
                                'x',
                                'i',
                                'f',
                                0,
                                0,
                                'I',
                                'I',
                                0x2A,
                                0,
                                8,
                                0,
                                0,
                                0,
                                1,
                                0,
                                0x12,
                                0x01,
                                3,
                                0,
                                1,
                                0,
                                0,
                                0,
                                (unsigned char)orientation,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0};
  std::vector<unsigned char> out(jpeg.size() + sizeof app1);
  std::copy(jpeg.begin(), jpeg.begin() + 2, out.begin());
  std::copy(std::begin(app1), std::end(app1), out.begin() + 2);
  std::copy(jpeg.begin() + 2, jpeg.end(), out.begin() + 2 + sizeof app1);
  return out;
}

std::string write(const dskit::test::TempTree& t, const std::string& name,
                  const std::vector<unsigned char>& b) {
  t.file(name, std::string(b.begin(), b.end()));
  return t.path(name);
}

bool same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

TEST_CASE("image jpeg: colour and grey JPEGs decode to OpenCV's pixels, EXIF orientation applied") {
  dskit::test::TempTree t;
  const auto colour = noise_jpeg(67, 45, CV_8UC3), grey = noise_jpeg(67, 45, CV_8UC1);
  for (const auto& case_ : {std::pair{"colour.jpg", colour}, std::pair{"grey.jpg", grey},
                            std::pair{"rot6.jpg", with_orientation(colour, 6)},
                            std::pair{"rot1.jpg", with_orientation(grey, 1)}}) {
    const auto& [name, bytes] = case_;  // (doctest's CAPTURE is a lambda: clang 14 cannot capture a binding)
    const char* const image = name;
    CAPTURE(image);
    const std::string path = write(t, name, bytes);
    for (int flags : {cv::IMREAD_COLOR, cv::IMREAD_GRAYSCALE}) {
      CAPTURE(flags);
      cv::Mat got;
      REQUIRE_FALSE(read_whole_image(path, flags, 1 << 20, got));
      CHECK(same(got, cv::imdecode(bytes, flags)));
    }
  }
  cv::Mat rotated;
  REQUIRE_FALSE(
      read_whole_image(write(t, "r.jpg", with_orientation(colour, 6)), cv::IMREAD_COLOR, 1 << 20, rotated));
  CHECK(rotated.cols == 45);  // orientation 6: turned a quarter
  CHECK(rotated.rows == 67);
}

TEST_CASE("image jpeg: bytes flipped inside the entropy-coded data are an error, not grey chips") {
  dskit::test::TempTree t;
  for (int type : {CV_8UC3, CV_8UC1}) {
    const auto bad = flip_scan_bytes(noise_jpeg(448, 448, type));
    CHECK(jpeg_complete(bad));                                   // the end-of-image marker is still there
    REQUIRE_FALSE(cv::imdecode(bad, cv::IMREAD_COLOR).empty());  // and OpenCV decodes it
    for (const auto& bytes : {bad, with_orientation(bad, 3)}) {  // checked also where OpenCV decodes
      cv::Mat got;
      const auto e = read_whole_image(write(t, "bad.jpg", bytes), cv::IMREAD_COLOR, 1 << 20, got);
      REQUIRE(e);
      CHECK(e->find("corrupt data (libjpeg: Corrupt JPEG data") == 0);
      CHECK(got.empty());
    }
    // --resume without chips.tsv does not keep such a chip, though it is complete and of the right size.
    std::string hash;
    CHECK_FALSE(check_kept_chip(bad, nullptr, 448, 448, hash));
    CHECK(check_kept_chip(noise_jpeg(448, 448, type), nullptr, 448, 448, hash));
  }
}

TEST_CASE("image jpeg: a frame above the decoding budget is refused before decoding") {
  dskit::test::TempTree t;
  cv::Mat got;
  const auto e =
      read_whole_image(write(t, "a.jpg", noise_jpeg(64, 32, CV_8UC3)), cv::IMREAD_COLOR, 2047, got);
  REQUIRE(e);
  CHECK(e->find("image is 64x32 pixels, above the decoding budget of 2047 pixels") == 0);
}
