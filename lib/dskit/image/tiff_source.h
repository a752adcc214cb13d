// TIFF and BigTIFF through libtiff: tiled or striped, pyramids as an IFD chain or SubIFDs, JPEG tiles
// decoded to RGB. Only the tiles or strips a region needs are decoded (TIFFReadEncodedTile/Strip), each
// reader has its own TIFF handle (opened without mmap, so RSS stays bounded) and a bounded LRU tile cache.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dskit/image/source.h"

namespace dskit::image {

// Null with `err` set when the file is not a TIFF this reader serves (8-bit gray, RGB, RGBA or YCbCr
// JPEG, contiguous samples). `max_pixels` is the decoding budget of one tile or strip: its readers
// size every buffer from the level's declared geometry and refuse (an error naming the tile or strip) a
// unit above the budget or one whose size libtiff computes otherwise, before allocating anything.
// The microns per pixel an Aperio SVS records in its first ImageDescription ("Aperio Image Library ...
// |AppMag = 40|MPP = 0.2520", read the way OpenSlide reads it), or 0 when the description is not Aperio's
// or gives no positive MPP. open_tiff prefers it to the resolution tags, which SVS writers leave unset or
// at a placeholder.
double aperio_mpp(std::string_view description);

std::unique_ptr<ImageSource> open_tiff(const std::string& path, std::string& err,
                                       uint64_t max_pixels = uint64_t{1} << 28);

}  // namespace dskit::image
