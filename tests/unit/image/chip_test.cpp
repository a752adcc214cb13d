#include "dskit/image/chip.h"

#include <doctest/doctest.h>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>

#include "dskit/manifest/manifest.h"
#include "temp_tree.h"

using namespace dskit::image;

// Not in the "parallel" (TSan) suite: oneTBB and OpenCV are not built with TSan here, so their internal
// synchronisation would show up as false races.

TEST_CASE("image chip: every chip of a PNG, the manifest, the same for 1 and 2 threads") {
  dskit::test::TempTree t;
  cv::Mat img(300, 500, CV_8UC3);
  cv::randu(img, cv::Scalar(0, 0, 0), cv::Scalar(256, 256, 256));
  REQUIRE(cv::imwrite(t.path("slide.png"), img));
  std::vector<std::string> hashes[2];
  for (unsigned threads : {1u, 2u}) {
    ChipOptions o;
    o.size = {100, 100};
    o.format = ChipFormat::png;
    o.use_mask = false;
    o.out_dir = t.path("out" + std::to_string(threads));
    o.threads = threads;
    std::filesystem::create_directories(o.out_dir);
    ChipProgress p;
    const ChipResult r = run_chips({t.path("slide.png")}, o, &p);
    REQUIRE(r.images.size() == 1);
    CHECK(r.images[0].error == "");
    CHECK(r.chips == 15);  // 5 x 3
    CHECK(p.done == 15);
    const cv::Mat chip = cv::imread(o.out_dir + "/slide/200_100.png");
    CHECK(cv::norm(chip, img(cv::Rect(200, 100, 100, 100)), cv::NORM_INF) == 0);
    dskit::Manifest m;
    REQUIRE(!dskit::load_manifest(o.out_dir + "/chips.tsv", {}, m));
    REQUIRE(m.size() == 15);
    CHECK(m.path(0) == "slide/0_0.png");
    for (std::size_t i = 0; i < m.size(); ++i) hashes[threads - 1].emplace_back(m.hash_hex(i));
  }
  CHECK(hashes[0] == hashes[1]);
}

TEST_CASE("image chip: an image smaller than a chip fails by name, the others go on") {
  dskit::test::TempTree t;
  cv::Mat small(50, 60, CV_8UC3, cv::Scalar(1, 2, 3)), big(200, 200, CV_8UC3, cv::Scalar(4, 5, 6));
  REQUIRE(cv::imwrite(t.path("small.png"), small));
  REQUIRE(cv::imwrite(t.path("big.png"), big));
  ChipOptions o;
  o.size = {100, 100};
  o.use_mask = false;
  o.out_dir = t.path("out");
  std::filesystem::create_directories(o.out_dir);
  const ChipResult r = run_chips({t.path("small.png"), t.path("big.png")}, o, nullptr);
  CHECK(r.images[0].error.find("smaller than a 100x100 chip") != std::string::npos);
  CHECK(r.images[1].error.empty());
  CHECK(r.chips == 4);
  o.edge = EdgeMode::pad;
  o.out_dir = t.path("out2");
  std::filesystem::create_directories(o.out_dir);
  const ChipResult p = run_chips({t.path("small.png")}, o, nullptr);
  CHECK(p.images[0].error.empty());
  CHECK(p.chips == 1);
  const cv::Mat chip = cv::imread(t.path("out2/small/0_0.jpg"));
  REQUIRE(chip.rows == 100);
  CHECK(chip.at<cv::Vec3b>(99, 99)[0] > 240);  // padding is white
}
