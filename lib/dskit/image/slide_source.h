// Whole-slide formats through OpenSlide (SVS, NDPI, MRXS, SCN, Philips TIFF, generic tiled TIFF): levels,
// downsamples and openslide.mpp-x; openslide_read_region's premultiplied ARGB is turned into BGR on white.
#pragma once

#include <memory>
#include <string>

#include "dskit/image/source.h"

namespace dskit::image {

std::unique_ptr<ImageSource> open_slide(const std::string& path, std::string& err);
// True when OpenSlide recognises the file.
bool slide_detect(const std::string& path);

}  // namespace dskit::image
