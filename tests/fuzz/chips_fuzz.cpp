// libFuzzer target: what dschip --resume reads back from an earlier run: OUT/chips.tsv (also given as an
// input list, the way dschip reads a manifest of images) and an existing chip file. The input is
// "chips.tsv \n--8<--\n bytes of the first chip". Property: whatever was left in OUT, a resumed run over
// the same image ends with no error for the image and two chips, each either exactly as a fresh run writes
// it or kept: a chip chips.tsv lists only with the size and XXH3-128 it lists (never because it merely
// decodes to the right size), a chip it does not list (a run killed before writing chips.tsv) only when it
// is complete and decodes cleanly to the chip size (check_kept_chip).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "dskit/hash/hash.h"
#include "dskit/image/chip.h"
#include "fuzz_support.h"

namespace {

namespace fs = std::filesystem;
using dskit::fuzz::check;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A 32x16 PNG source, chipped into two 16x16 PNG chips, and the chips of a fresh run.
struct Setup {
  dskit::fuzz::ScratchDir dir;
  std::string image, out;
  dskit::image::ChipOptions opts;
  std::vector<std::pair<fs::path, std::string>> chips;  // relative path, bytes of a fresh run

  Setup() {
    image = dir.path() + "/src.png";
    out = dir.path() + "/out";
    cv::Mat m(16, 32, CV_8UC3);
    for (int y = 0; y < m.rows; ++y)
      for (int x = 0; x < m.cols; ++x)
        m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 8), uchar(y * 16), uchar(x ^ y));
    check(cv::imwrite(image, m), "write the source image");
    opts.size = {16, 16};
    opts.format = dskit::image::ChipFormat::png;
    opts.use_mask = false;
    opts.out_dir = out;
    opts.threads = 1;
    // run_chips writes into an existing OUT (dschip creates it before the run).
    check(fs::create_directory(out), "create OUT");
    const auto r = dskit::image::run_chips({image}, opts, nullptr);
    check(r.images.size() == 1 && r.images[0].error.empty() && !r.output_error && !r.manifest_error,
          "a fresh run chips the image");
    check(r.chips == 2, "a fresh run writes two chips");
    for (const auto& e : fs::recursive_directory_iterator(out))
      if (e.is_regular_file() && e.path().filename() != "chips.tsv")
        chips.emplace_back(fs::relative(e.path(), out), read_file(e.path()));
    check(chips.size() == 2, "two chip files");
    std::sort(chips.begin(), chips.end());
    opts.resume = true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const Setup s;
  std::error_code ec;
  fs::remove_all(s.out, ec);
  const auto parts = dskit::fuzz::split_parts(data, size, "\n--8<--\n", 2);
  s.dir.write("out/chips.tsv", parts[0]);
  if (parts.size() > 1) s.dir.write(("out" / s.chips[0].first).string(), parts[1]);

  // chips.tsv as an input list: expanded (read as a manifest) but not chipped.
  std::vector<dskit::PathError> errors, below;
  (void)dskit::image::expand_inputs({s.out + "/chips.tsv"}, errors, below);

  const auto r = dskit::image::run_chips({s.image}, s.opts, nullptr);
  check(r.images.size() == 1 && r.images[0].error.empty(), "the source image chips without error");
  check(!r.output_error && !r.manifest_error && r.chips == 2, "a resumed run ends with two chips");
  // What the resumed run was told: the chip index of chips.tsv (none when it does not parse).
  std::map<std::string, dskit::image::KeptChip> index;
  if (dskit::image::parse_chip_index(std::string(parts[0]), "chips.tsv", index)) index.clear();
  for (const auto& [rel, bytes] : s.chips) {
    const std::string now = read_file(fs::path(s.out) / rel);
    if (now == bytes) continue;
    const auto it = index.find(rel.string());
    std::string hash;
    dskit::append_hash_hex(hash, now, dskit::HashAlgo::xxh3_128);
    if (it != index.end()) {
      check(it->second.size == now.size() && it->second.hash == hash,
            "a chip chips.tsv lists is kept only with the size and hash it lists");
    } else {
      // Not listed (the earlier run ended before writing chips.tsv): kept only when complete and decoding
      // cleanly to the chip's size.
      const auto* p = reinterpret_cast<const unsigned char*>(now.data());
      check(dskit::image::check_kept_chip({p, now.size()}, nullptr, 16, 16, hash),
            "a chip chips.tsv does not list is kept only when it decodes whole to the chip size");
    }
  }
  return 0;
}
