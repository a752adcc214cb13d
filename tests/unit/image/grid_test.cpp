#include "dskit/image/grid.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

using namespace dskit::image;

TEST_CASE("image grid: axis positions match the definition of each edge mode, exhaustively") {
  for (int64_t length = 0; length <= 40; ++length)
    for (int64_t size = 1; size <= 12; ++size)
      for (int64_t stride = 1; stride <= 12; ++stride) {
        std::vector<int64_t> drop;
        for (int64_t p = 0; p + size <= length; p += stride) drop.push_back(p);
        const int64_t reached = drop.empty() ? 0 : drop.back() + size;
        CAPTURE(length);
        CAPTURE(size);
        CAPTURE(stride);
        CHECK(axis_positions(length, size, stride, EdgeMode::drop) == drop);

        auto pad = drop;
        const int64_t next = drop.empty() ? 0 : drop.back() + stride;
        if (length > 0 && reached < length && next < length) pad.push_back(next);
        const auto got_pad = axis_positions(length, size, stride, EdgeMode::pad);
        CHECK(got_pad == pad);
        if (length > 0) {
          CHECK(got_pad.back() < length);  // every chip starts inside
          if (stride <= size)
            CHECK(got_pad.back() + size >= length);  // and without gaps the last reaches the end
        }

        auto shift = drop;
        if (length >= size && reached < length) shift.push_back(length - size);
        const auto got_shift = axis_positions(length, size, stride, EdgeMode::shift);
        CHECK(got_shift == shift);
        for (std::size_t i = 0; i < got_shift.size(); ++i) {
          CHECK(got_shift[i] + size <= length);  // shifted chips stay inside
          if (i > 0) CHECK(got_shift[i] > got_shift[i - 1]);
        }
        // With no gaps between chips (stride <= size), pad and shift cover every pixel.
        if (stride <= size && length >= size) {
          std::vector<int> covered(std::size_t(length), 0);
          for (int64_t p : got_shift)
            for (int64_t i = p; i < p + size; ++i) covered[std::size_t(i)] = 1;
          CHECK(std::count(covered.begin(), covered.end(), 0) == 0);
        }
      }
}

TEST_CASE("image grid: a 1000-pixel axis with 224-pixel chips") {
  CHECK(axis_positions(1000, 224, 224, EdgeMode::drop) == std::vector<int64_t>{0, 224, 448, 672});
  CHECK(axis_positions(1000, 224, 224, EdgeMode::pad) == std::vector<int64_t>{0, 224, 448, 672, 896});
  CHECK(axis_positions(1000, 224, 224, EdgeMode::shift) == std::vector<int64_t>{0, 224, 448, 672, 776});
  CHECK(axis_positions(1000, 224, 112, EdgeMode::drop).size() == 7);  // 0..672 by 112
  CHECK(axis_positions(100, 224, 224, EdgeMode::drop).empty());
  CHECK(axis_positions(100, 224, 224, EdgeMode::shift).empty());
  CHECK(axis_positions(100, 224, 224, EdgeMode::pad) == std::vector<int64_t>{0});
}

TEST_CASE("image grid: sizes, regions and coordinates parse, and bad ones are refused") {
  Size2 s;
  CHECK(!parse_size2("224", s));
  CHECK((s.w == 224 && s.h == 224));
  CHECK(!parse_size2("512x256", s));
  CHECK((s.w == 512 && s.h == 256));
  for (const char* bad : {"", "0", "x", "12x", "x12", "-4", "10x0", "1e3", "70000"})
    CHECK(parse_size2(bad, s));
  Rect64 r;
  CHECK(!parse_rect("10,20,30,40", r));
  CHECK((r.x == 10 && r.y == 20 && r.w == 30 && r.h == 40));
  for (const char* bad : {"", "1,2,3", "1,2,3,4,5", "1,2,0,4", "-1,2,3,4", "a,b,c,d"})
    CHECK(parse_rect(bad, r));
  std::vector<std::pair<int64_t, int64_t>> c;
  CHECK(!parse_coords("# corners\n0 0\n224,448\n\n 10 , 20 \n", c));
  CHECK(c == std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {224, 448}, {10, 20}});
  c.clear();
  const auto e = parse_coords("1 2\nthree four\n", c);
  REQUIRE(e);
  CHECK(e->find("line 2") != std::string::npos);
}

TEST_CASE("image grid: the region at the chip scale, with and without a ROI") {
  Rect64 g = grid_region(1000, 700, 1.0, {});
  CHECK((g.x == 0 && g.y == 0 && g.w == 1000 && g.h == 700));
  g = grid_region(1000, 700, 4.0, {});
  CHECK((g.w == 250 && g.h == 175));
  g = grid_region(1000, 700, 1.0, {100, 50, 2000, 300});  // clipped to the image
  CHECK((g.x == 100 && g.y == 50 && g.w == 900 && g.h == 300));
  g = grid_region(1000, 700, 2.0, {100, 50, 400, 300});
  CHECK((g.x == 50 && g.y == 25 && g.w == 200 && g.h == 150));
  CHECK(to_level0(25, 2.0) == 50);
  CHECK(to_level0(3, 1.5) == 5);  // 4.5 rounds up
}
