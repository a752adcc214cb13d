// TIFF and BigTIFF through libtiff: tiled or striped, pyramids as an IFD chain or SubIFDs, JPEG tiles
// decoded to RGB. Only the tiles or strips a region needs are decoded (TIFFReadEncodedTile/Strip), each
// reader has its own TIFF handle (opened without mmap, so RSS stays bounded) and a bounded LRU tile cache.
#pragma once

#include <memory>
#include <string>

#include "dskit/image/source.h"

namespace dskit::image {

// Null with `err` set when the file is not a TIFF this reader serves (8-bit gray, RGB, RGBA or YCbCr
// JPEG, contiguous samples).
std::unique_ptr<ImageSource> open_tiff(const std::string& path, std::string& err);

}  // namespace dskit::image
