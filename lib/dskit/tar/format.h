// The tar block arithmetic that the writer and the reader share: 512-byte blocks, padding, the end marker.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dskit::tar {

inline constexpr std::size_t kBlock = 512;
// The end of an archive: two zero blocks.
inline constexpr std::size_t kEndSize = 2 * kBlock;

// Bytes of padding after `size` bytes of member data, up to the next 512-byte boundary.
inline constexpr uint64_t padding(uint64_t size) {
  return (kBlock - size % kBlock) % kBlock;
}

}  // namespace dskit::tar
