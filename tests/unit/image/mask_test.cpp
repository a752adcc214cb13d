#include "dskit/image/mask.h"

#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

using namespace dskit::image;

namespace {

// White glass with a pink, textured "tissue" rectangle at (x, y, w, h).
cv::Mat synthetic_slide(int cols, int rows, cv::Rect tissue) {
  cv::Mat img(rows, cols, CV_8UC3, cv::Scalar(245, 245, 245));
  cv::Mat noise(tissue.height, tissue.width, CV_8UC3);
  cv::randu(noise, cv::Scalar(0, 0, 0), cv::Scalar(40, 40, 40));
  cv::Mat pink(tissue.height, tissue.width, CV_8UC3, cv::Scalar(180, 110, 200));  // BGR
  img(tissue) = pink + noise;
  return img;
}

}  // namespace

TEST_CASE("image mask: Otsu on saturation finds a tissue rectangle on white glass") {
  const cv::Rect tissue(100, 60, 200, 120);
  const cv::Mat thumb = synthetic_slide(400, 300, tissue);
  const cv::Mat m = compute_mask(thumb, {});
  REQUIRE(m.size() == thumb.size());
  const double inside = cv::countNonZero(m(tissue)) / double(tissue.area());
  const double total = cv::countNonZero(m) / double(m.total());
  CHECK(inside > 0.99);
  CHECK(total == doctest::Approx(double(tissue.area()) / double(m.total())).epsilon(0.02));
  // The same mask from the luminance and fixed-saturation methods.
  for (MaskMethod mm : {MaskMethod::luminance, MaskMethod::saturation}) {
    const cv::Mat m2 = compute_mask(thumb, {mm, -1});
    CHECK(cv::countNonZero(m2(tissue)) / double(tissue.area()) > 0.99);
    CHECK(cv::countNonZero(m2) / double(m2.total()) < 0.22);
  }
}

TEST_CASE("image mask: flat images give all background or all tissue") {
  const cv::Mat glass(100, 100, CV_8UC3, cv::Scalar(245, 245, 245));
  CHECK(cv::countNonZero(compute_mask(glass, {})) == 0);
  const cv::Mat all_tissue(100, 100, CV_8UC3, cv::Scalar(180, 110, 200));
  CHECK(cv::countNonZero(compute_mask(all_tissue, {})) == 100 * 100);
}

TEST_CASE("image mask: tissue fractions from the integral image") {
  cv::Mat m(10, 10, CV_8U, cv::Scalar(0));
  m(cv::Rect(0, 0, 5, 10)).setTo(255);  // left half is tissue
  const TissueMask t(m, 1000, 1000);    // one mask pixel = 100 x 100 level-0 pixels
  CHECK(t.fraction(0, 0, 500, 1000) == doctest::Approx(1.0));
  CHECK(t.fraction(500, 0, 500, 1000) == doctest::Approx(0.0));
  CHECK(t.fraction(300, 0, 400, 100) == doctest::Approx(0.5));
  CHECK(t.fraction(0, 0, 1000, 1000) == doctest::Approx(0.5));
  // A chip that is partly outside the image: the outside counts as background.
  cv::Mat full(10, 10, CV_8U, cv::Scalar(255));
  const TissueMask f(full, 1000, 1000);
  CHECK(f.fraction(900, 0, 200, 100) == doctest::Approx(0.5));
  CHECK(f.fraction(1000, 1000, 100, 100) == doctest::Approx(0.0));
  CHECK(parse_mask_method("otsu-saturation") == MaskMethod::otsu_saturation);
  CHECK(!parse_mask_method("otsu"));
}
