#include "dskit/image/cohort.h"

#include <doctest/doctest.h>

#include <vector>

using namespace dskit::image;

TEST_CASE("deal_pieces: largest first, an input above 1/(2N) of the pixels cut by block rows") {
  // 100 + 400 + 0 (unreadable) + 1500 pixels over 2 ranks: the limit is 2000 / 4 = 500.
  const std::vector<InputSize> sizes = {{100, 10}, {400, 10}, {0, 0}, {1500, 10}};
  const auto p = deal_pieces(sizes, 2);
  REQUIRE(p.size() == 6);
  for (std::size_t b = 0; b < 3; ++b) {  // 1500 / 500: three bands of 500, handed out first, in band order
    CHECK(p[b].input == 3);
    CHECK(p[b].band == b);
    CHECK(p[b].bands == 3);
    CHECK(p[b].pixels == 500);
  }
  CHECK(p[3].input == 1);
  CHECK(p[4].input == 0);
  CHECK(p[5].input == 2);  // unmeasured: last, whole
  CHECK(p[5].bands == 1);
  // Never more bands than block rows.
  const auto q = deal_pieces({{1000, 2}, {10, 1}}, 8);
  CHECK(q.size() == 3);
  CHECK(q[0].bands == 2);
  // Equal inputs under the limit: input order, none cut.
  const auto e = deal_pieces({{5, 3}, {5, 3}, {5, 3}, {5, 3}}, 2);
  REQUIRE(e.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(e[i].input == i);
}
