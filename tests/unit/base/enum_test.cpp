// Enum tables (base/enum_names.h): first row names a value, further rows are accepted spellings; and the
// tables of the library keep every spelling and printed name of before.
#include <doctest/doctest.h>

#include "dskit/balance/balance.h"
#include "dskit/balance/inputs/input.h"
#include "dskit/balance/plot/plot.h"
#include "dskit/base/enum_names.h"
#include "dskit/bench/engine.h"
#include "dskit/hash/hash.h"
#include "dskit/image/chip_file.h"
#include "dskit/image/grid.h"
#include "dskit/image/mask.h"
#include "dskit/image/source.h"
#include "dskit/manifest/build/build.h"
#include "dskit/manifest/diff.h"

using namespace dskit;

namespace {

enum class Color { red, green, blue, unnamed };
constexpr EnumName<Color> kColors[] = {
    {Color::red, "red"}, {Color::green, "green"}, {Color::green, "vert"}, {Color::blue, "blue"}};

static_assert(parse_enum(kColors, "vert") == Color::green);
static_assert(enum_name(kColors, Color::green) == "green");

}  // namespace

TEST_CASE("enum tables: parse every spelling, print the first") {
  CHECK(parse_enum(kColors, "red") == Color::red);
  CHECK(parse_enum(kColors, "green") == Color::green);
  CHECK(parse_enum(kColors, "vert") == Color::green);
  CHECK_FALSE(parse_enum(kColors, "Red"));
  CHECK_FALSE(parse_enum(kColors, ""));
  CHECK_FALSE(parse_enum(kColors, "blue "));
  CHECK(enum_name(kColors, Color::blue) == "blue");
  CHECK(enum_name(kColors, Color::unnamed) == "?");
  CHECK(enum_name(kColors, Color::unnamed, "none") == "none");
}

TEST_CASE("enum tables of the library: spellings and names as before") {
  CHECK(parse_hash_name("xxh3-128") == HashAlgo::xxh3_128);
  CHECK(parse_hash_name("xxh3_128") == HashAlgo::xxh3_128);
  CHECK(parse_hash_name("xxh128") == HashAlgo::xxh3_128);
  CHECK(parse_hash_name("xxh3-64") == HashAlgo::xxh3_64);
  CHECK(parse_hash_name("xxh3_64") == HashAlgo::xxh3_64);
  CHECK(parse_hash_name("xxh3") == HashAlgo::xxh3_64);
  CHECK(parse_hash_name("none") == HashAlgo::none);
  CHECK_FALSE(parse_hash_name("xxh64"));
  CHECK(hash_name(HashAlgo::xxh3_64) == "xxh3-64");
  CHECK(hash_name(HashAlgo::xxh3_128) == "xxh3-128");
  CHECK(hash_name(HashAlgo::none) == "none");
  CHECK(hash_column(HashAlgo::xxh3_64) == "xxh3_64");
  CHECK(hash_column(HashAlgo::xxh3_128) == "xxh3_128");
  CHECK(hash_column(HashAlgo::none) == "");

  CHECK(std::string_view(kind_name(DiffEntry::Kind::added)) == "added");
  CHECK(std::string_view(kind_name(DiffEntry::Kind::removed)) == "removed");
  CHECK(std::string_view(kind_name(DiffEntry::Kind::modified)) == "modified");
  CHECK(std::string_view(kind_name(DiffEntry::Kind::renamed)) == "renamed");
  CHECK(std::string_view(kind_name(DiffEntry::Kind::relabeled)) == "relabeled");
  CHECK(std::string_view(kind_name(VerifyIssue::Kind::missing)) == "missing");
  CHECK(std::string_view(kind_name(VerifyIssue::Kind::changed)) == "changed");
  CHECK(std::string_view(kind_name(VerifyIssue::Kind::added)) == "new");
  CHECK(std::string_view(kind_name(VerifyIssue::Kind::unreadable)) == "unreadable");

  for (const char* f : {"manifest", "imagefolder", "csv", "coco", "yolo", "voc"}) {
    CAPTURE(f);
    const auto v = parse_balance_format(f);
    REQUIRE(v);
    CHECK(balance_format_name(*v) == f);
  }
  CHECK_FALSE(parse_balance_format("json"));
  CHECK(parse_count_unit("instances") == CountUnit::instances);
  CHECK(parse_count_unit("images") == CountUnit::images);
  CHECK_FALSE(parse_count_unit("image"));
  for (const char* m : {"balanced", "inverse", "inverse-sqrt", "effective"}) {
    CAPTURE(m);
    const auto v = parse_weight_method(m);
    REQUIRE(v);
    CHECK(weight_method_name(*v) == m);
  }
  CHECK_FALSE(parse_weight_method("inverse_sqrt"));

  CHECK(bench::parse_engine("psync") == bench::EngineKind::psync);
  CHECK(bench::parse_engine("io_uring") == bench::EngineKind::io_uring);
  CHECK(bench::parse_engine("uring") == bench::EngineKind::io_uring);
  CHECK_FALSE(bench::parse_engine("auto"));
  CHECK(bench::engine_name(bench::EngineKind::psync) == "psync");
  CHECK(bench::engine_name(bench::EngineKind::io_uring) == "io_uring");

  CHECK(parse_plot_scale("linear") == PlotScale::linear);
  CHECK(parse_plot_scale("log") == PlotScale::log);
  CHECK_FALSE(parse_plot_scale("log10"));

  using namespace dskit::image;
  CHECK(parse_chip_format("jpg") == ChipFormat::jpg);
  CHECK(parse_chip_format("jpeg") == ChipFormat::jpg);
  CHECK(parse_chip_format("png") == ChipFormat::png);
  CHECK(parse_chip_format("webp") == ChipFormat::webp);
  CHECK(parse_chip_format("tiff") == ChipFormat::tiff);
  CHECK(parse_chip_format("tif") == ChipFormat::tiff);
  CHECK_FALSE(parse_chip_format("gif"));
  CHECK(chip_extension(ChipFormat::jpg) == "jpg");
  CHECK(chip_extension(ChipFormat::png) == "png");
  CHECK(chip_extension(ChipFormat::webp) == "webp");
  CHECK(chip_extension(ChipFormat::tiff) == "tiff");
  CHECK(parse_reader_kind("auto") == ReaderKind::automatic);
  CHECK(parse_reader_kind("tiff") == ReaderKind::tiff);
  CHECK(parse_reader_kind("openslide") == ReaderKind::openslide);
  CHECK(parse_reader_kind("opencv") == ReaderKind::opencv);
  CHECK_FALSE(parse_reader_kind("automatic"));
  CHECK(parse_mask_method("otsu-saturation") == MaskMethod::otsu_saturation);
  CHECK(parse_mask_method("saturation") == MaskMethod::saturation);
  CHECK(parse_mask_method("luminance") == MaskMethod::luminance);
  CHECK_FALSE(parse_mask_method("otsu"));
  CHECK(parse_edge_mode("drop") == EdgeMode::drop);
  CHECK(parse_edge_mode("pad") == EdgeMode::pad);
  CHECK(parse_edge_mode("shift") == EdgeMode::shift);
  CHECK_FALSE(parse_edge_mode("wrap"));
}
