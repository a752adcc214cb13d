// What --resume and the OpenCV reader trust: image header sizes, complete JPEG streams, kept chips checked
// against the previous manifest's size and hash, and that manifest's index.
#include <doctest/doctest.h>

#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "dskit/image/chip.h"
#include "dskit/image/cv_source.h"

using namespace dskit::image;

namespace {

std::vector<unsigned char> encode(const char* ext, int w, int h) {
  cv::Mat img(h, w, CV_8UC3);
  cv::randu(img, cv::Scalar(0, 0, 0), cv::Scalar(256, 256, 256));
  std::vector<unsigned char> out;
  REQUIRE(cv::imencode(ext, img, out));
  return out;
}

}  // namespace

TEST_CASE("image kept: header sizes of PNG, JPEG, BMP and WebP; none for other bytes") {
  for (const char* ext : {".png", ".jpg", ".bmp", ".webp"}) {
    const auto bytes = encode(ext, 37, 21);
    int64_t w = 0, h = 0;
    REQUIRE(header_size(bytes, w, h));
    CHECK(w == 37);
    CHECK(h == 21);
  }
  const std::vector<unsigned char> junk(40, 'x');
  int64_t w = 0, h = 0;
  CHECK(!header_size(junk, w, h));
  CHECK(!header_size({}, w, h));
}

TEST_CASE("image kept: a JPEG is complete only with its end-of-image marker after the scan") {
  const auto jpg = encode(".jpg", 64, 64);
  CHECK(jpeg_complete(jpg));
  CHECK(!jpeg_complete(std::span(jpg).first(jpg.size() * 2 / 3)));
  CHECK(!jpeg_complete(std::span(jpg).first(4)));
  CHECK(jpeg_complete(encode(".png", 8, 8)));  // not a JPEG: nothing to say
}

TEST_CASE("image kept: a listed chip must match size and hash; an unlisted one must decode whole") {
  const auto jpg = encode(".jpg", 32, 16);
  std::string hash;
  REQUIRE(check_kept_chip(jpg, nullptr, 32, 16, hash));
  CHECK(hash.size() == 32);
  const KeptChip listed{jpg.size(), hash, ""};
  std::string h2;
  CHECK(check_kept_chip(jpg, &listed, 32, 16, h2));
  auto changed = jpg;
  changed[changed.size() / 2] ^= 1;
  CHECK(!check_kept_chip(changed, &listed, 32, 16, h2));
  CHECK(!check_kept_chip(std::span(jpg).first(jpg.size() / 3), &listed, 32, 16, h2));
  CHECK(!check_kept_chip(std::span(jpg).first(jpg.size() / 3), nullptr, 32, 16, h2));
  CHECK(!check_kept_chip(jpg, nullptr, 16, 16, h2));  // another size
  CHECK(!check_kept_chip({}, nullptr, 32, 16, h2));
}

TEST_CASE("image kept: the chip index of a manifest; malformed text is an error") {
  std::map<std::string, KeptChip> idx;
  const std::string text =
      "#dskit-manifest v1\troot=/out\thash=xxh3-128\n"
      "path\tsize\tmtime_ns\tino\txxh3_128\n"
      "a/0_0.jpg\t10\t0\t0\t0123456789abcdef0123456789abcdef\n"
      "a/0_224.jpg\t11\t0\t0\t\n";
  REQUIRE(!parse_chip_index(text, "chips.tsv", idx));
  REQUIRE(idx.size() == 1);
  CHECK(idx["a/0_0.jpg"].size == 10);
  CHECK(idx["a/0_0.jpg"].hash == "0123456789abcdef0123456789abcdef");
  std::map<std::string, KeptChip> bad;
  CHECK(parse_chip_index("not a manifest\n", "x.tsv", bad));
  std::map<std::string, KeptChip> none;
  CHECK(!read_chip_index("/nonexistent/dir/chips.tsv", none));
  CHECK(none.empty());
}
