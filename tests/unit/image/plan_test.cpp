// plan_image, judge_chips and output_stems: dschip's decisions (level, scale, grid, blocks, budget, mask,
// output names) checked on synthetic levels, without reading an image or running the pipeline.
#include "dskit/image/plan.h"

#include <doctest/doctest.h>

#include <opencv2/core.hpp>

using namespace dskit::image;

namespace {

// A 1000 x 700 image in 256-pixel tiles with a half-size level in 128-pixel tiles.
std::vector<Level> pyramid() {
  return {Level{1000, 700, 1.0, 256, 256}, Level{500, 350, 2.0, 128, 128}};
}

}  // namespace

TEST_CASE("image plan: level 0 grid, blocks aligned to the tiles, cache for one block") {
  ChipOptions o;
  ImagePlan p;
  REQUIRE(!plan_image(pyramid(), 0, o, p));
  CHECK(p.level == 0);
  CHECK(p.ds == 1);
  CHECK(p.f == 1);
  CHECK(p.cw == 224);
  CHECK(p.xs == std::vector<int64_t>{0, 224, 448, 672});
  CHECK(p.ys == std::vector<int64_t>{0, 224, 448});
  CHECK(p.cols_per == 8);  // lcm(224, 256) = 1792 = 8 chips = 7 tiles
  CHECK(p.rows_per == 8);
  CHECK(p.blocks() == 1);
  // One block (4 columns of 224 + a chip) and a tile of margin each side, 3 bytes a pixel, plus 8 MiB.
  const double w = (4 * 224 + 224) + 2 * 256, h = (8 * 224 + 224) + 2 * 256;
  CHECK(p.cache_bytes == std::size_t(w * h * 3) + (std::size_t{8} << 20));
  o.edge = EdgeMode::pad;
  REQUIRE(!plan_image(pyramid(), 0, o, p));
  CHECK(p.xs == std::vector<int64_t>{0, 224, 448, 672, 896});
  o.size = {2000, 2000};
  o.edge = EdgeMode::drop;
  const auto e = plan_image(pyramid(), 0, o, p);
  REQUIRE(e);
  CHECK(e->find("smaller than a 2000x2000 chip") != std::string::npos);
}

TEST_CASE("image plan: --level and --mpp pick the level and the resize factor") {
  ChipOptions o;
  ImagePlan p;
  o.level = 1;
  REQUIRE(!plan_image(pyramid(), 0, o, p));
  CHECK(p.level == 1);
  CHECK(p.ds == 2);
  CHECK(p.f == 1);
  o.level = 2;
  REQUIRE(plan_image(pyramid(), 0, o, p));
  o.level = -1;
  o.mpp = 0.75;  // the file says 0.25: downsample 3 from level 1 (downsample 2), resized by 1.5
  REQUIRE(!plan_image(pyramid(), 0.25, o, p));
  CHECK(p.level == 1);
  CHECK(p.ds == doctest::Approx(3));
  CHECK(p.f == doctest::Approx(1.5));
}

TEST_CASE("image plan: a placeholder resolution is unknown; --source-mpp gives it; no upscale by default") {
  ChipOptions o;
  ImagePlan p;
  o.mpp = 0.5;
  for (double placeholder : {25400.0 / 72, 25400.0 / 96, 10.5, 0.0}) {
    const auto e = plan_image(pyramid(), placeholder, o, p);
    REQUIRE(e);
    CHECK(e->find("the file gives no microns per pixel") != std::string::npos);
    CHECK(e->find("--source-mpp") != std::string::npos);
  }
  o.source_mpp = 0.25;
  REQUIRE(!plan_image(pyramid(), 25400.0 / 72, o, p));
  CHECK(p.ds == doctest::Approx(2));
  CHECK(effective_mpp(25400.0 / 72, o) == 0.25);
  o.source_mpp = 0;
  CHECK(effective_mpp(0.5, o) == 0.5);
  CHECK(effective_mpp(10.0, o) == 10.0);
  o.mpp = 0.1;  // finer than the image's 0.25
  const auto e = plan_image(pyramid(), 0.25, o, p);
  REQUIRE(e);
  CHECK(e->find("--allow-upscale") != std::string::npos);
  o.allow_upscale = true;
  REQUIRE(!plan_image(pyramid(), 0.25, o, p));
  CHECK(p.ds == doctest::Approx(0.4));
  CHECK(p.level == 0);
  // An absurd upscale is refused by the grid limit, before any position is generated.
  o.mpp = 0.00001;
  const auto big = plan_image(pyramid(), 0.25, o, p);
  REQUIRE(big);
  CHECK(big->find("limit") != std::string::npos);
  CHECK(p.xs.empty());
}

TEST_CASE("image plan: tiles, strips and images above the decoding budget are refused") {
  ChipOptions o;
  ImagePlan p;
  const std::vector<Level> one_tile{Level{1000000, 1000000, 1.0, 1000000, 1000000}};
  auto e = plan_image(one_tile, 0, o, p);
  REQUIRE(e);
  CHECK(e->find("the image is decoded in one piece of 1000000x1000000 pixels, above the decoding budget of "
                "268435456 pixels (--max-pixels)") != std::string::npos);
  const std::vector<Level> huge_tiles{Level{1000000, 1000000, 1.0, 65536, 65536}};
  e = plan_image(huge_tiles, 0, o, p);
  REQUIRE(e);
  CHECK(e->find("in tiles of 65536x65536 pixels") != std::string::npos);
  // A striped image whose strips fit but whose band per thread does not.
  const std::vector<Level> wide_strips{Level{1000000, 2000, 1.0, 1000000, 16}};
  e = plan_image(wide_strips, 0, o, p);
  REQUIRE(e);
  CHECK(e->find("a band of 1000000x") != std::string::npos);
  o.max_pixels = uint64_t{1} << 32;
  REQUIRE(!plan_image(wide_strips, 0, o, p));
  CHECK(p.cols_per == p.xs.size());  // strips: whole rows per block
  // A level whose tile size is unknown (OpenSlide) is read by regions: nothing to check.
  o.max_pixels = kDefaultMaxPixels;
  REQUIRE(!plan_image({Level{200000, 100000, 1.0, 0, 0}}, 0, o, p));
  // An image without tiles is decoded once: no band on top of it.
  o.max_pixels = 100000000;
  REQUIRE(!plan_image({Level{10000, 10000, 1.0, 10000, 10000}}, 0, o, p));
}

TEST_CASE("image plan: the mask keeps chips above --min-tissue; --coords keeps every listed chip") {
  ChipOptions o;
  o.size = {100, 100};
  const std::vector<Level> lv{Level{400, 200, 1.0, 400, 200}};
  ImagePlan p;
  REQUIRE(!plan_image(lv, 0, o, p));
  cv::Mat m(2, 4, CV_8U, cv::Scalar(0));
  m.at<unsigned char>(0, 1) = 255;  // one mask pixel is one chip here
  m.at<unsigned char>(1, 3) = 255;
  judge_chips(TissueMask(m, 400, 200), o, p);
  CHECK(p.kept == 2);
  CHECK(p.rejected == 6);
  CHECK(p.keep == std::vector<unsigned char>{0, 1, 0, 0, 0, 0, 0, 1});
  CHECK(p.tissue[1] == 1.0);
  CHECK(p.tissue[0] == 0.0);
  judge_chips(TissueMask(), o, p);
  CHECK(p.kept == 8);
  CHECK(p.tissue.empty());
  o.use_coords = true;
  o.coords = {{300, 100}, {0, 0}};
  REQUIRE(!plan_image(lv, 0, o, p));
  REQUIRE(p.coords.size() == 2);
  CHECK(p.coords[0].gx == 0);  // sorted by row, then column
  CHECK(p.coords[1].gx == 300);
  judge_chips(TissueMask(m, 400, 200), o, p);
  CHECK(p.kept == 2);
  CHECK(p.coords[1].tissue == 1.0);
}

TEST_CASE("image plan: output stems stay inside OUT, apart from the manifest, and unique") {
  const std::vector<std::string> in{"a/...png", "b/..png",   "c/chips.tsv.png", "d/x.png",
                                    "e/x.tif",  "f/x-2.png", "g/.hidden.png",   "h/my.slide.tif"};
  CHECK(output_stems(in, false, "chips.tsv") ==
        std::vector<std::string>{"_..", "_.", "chips.tsv_", "x", "x-3", "x-2", "_.hidden", "my.slide"});
  CHECK(output_stems(in, true, "chips.tsv") ==
        std::vector<std::string>{"__", "_", "chips_tsv", "x", "x-3", "x-2", "_hidden", "my_slide"});
  // Shard members: "a.b" and "a_b" would both be a_b.
  CHECK(output_stems({"a.b.png", "a_b.png"}, true, "chips.tsv") == std::vector<std::string>{"a_b", "a_b-2"});
  CHECK(output_stems({"p/x.png", "q/x.png", "r/x.png"}, false, "m.tsv") ==
        std::vector<std::string>{"x", "x-2", "x-3"});
}
