// dschip's input expansion (expand_inputs) over the parallel walker: the image files below each directory
// argument sorted, in argument order with the files and manifests between them; symbolic links to images
// followed, links to directories not; an entry that cannot be read is an error naming itself.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "dskit/image/chip.h"
#include "temp_tree.h"

using namespace dskit::image;

TEST_CASE("image inputs: directories walked in parallel give the images of a sorted recursive listing") {
  dskit::test::TempTree t;
  std::vector<std::string> want_a, want_b;
  for (int d = 0; d < 12; ++d)
    for (int f = 0; f < 9; ++f) {
      const std::string dir = "a/d" + std::to_string(d) + (d % 3 ? "/e" + std::to_string(d % 4) : "");
      const char* ext = f % 3 == 0 ? ".PNG" : f % 3 == 1 ? ".tif" : ".txt";
      t.file(dir + "/f" + std::to_string(f) + ext, "x");
      if (f % 3 != 2) want_a.push_back(t.path(dir + "/f" + std::to_string(f) + ext));
    }
  t.file("b/.hidden/h.jpg", "x");
  want_b.push_back(t.path("b/.hidden/h.jpg"));
  t.file("b/z.webp", "x");
  want_b.push_back(t.path("b/z.webp"));
  std::filesystem::create_symlink("../a/d0/f0.PNG", t.path("b/link.png"));  // followed: a regular file
  want_b.push_back(t.path("b/link.png"));
  std::filesystem::create_symlink("../a", t.path("b/dirlink"));              // not followed
  std::filesystem::create_symlink("nowhere.png", t.path("b/dangling.png"));  // an error naming itself
  std::filesystem::create_directory(t.path("b/dir.png"));                    // a directory with an image name
  std::sort(want_a.begin(), want_a.end());
  std::sort(want_b.begin(), want_b.end());
  t.file("single.bmp", "x");

  std::vector<dskit::PathError> errors, below;
  const auto got =
      expand_inputs({t.path("a"), t.path("single.bmp"), t.path("b"), t.path("missing")}, errors, below);
  std::vector<std::string> want = want_a;
  want.push_back(t.path("single.bmp"));
  want.insert(want.end(), want_b.begin(), want_b.end());
  CHECK(got == want);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == t.path("missing"));
  REQUIRE(below.size() == 1);
  CHECK(below[0].path == t.path("b/dangling.png"));
  CHECK(below[0].op == "stat");
}
