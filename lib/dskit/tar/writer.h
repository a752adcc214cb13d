// Tar members written deterministically (POSIX ustar; a pax extended header 'x' before a member whose name
// is over what ustar holds or not ASCII, whose size or mtime does not fit the ustar fields): fixed mode
// 0644, uid/gid 0, no user or group names, the given mtime. GNU tar, bsdtar and Python's tarfile read them.
// dschip's shards (image/tar_shard) and dspack's shards are written through these functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dskit/tar/format.h"

namespace dskit::tar {

// Appends the header block(s) of a regular-file member of `size` bytes: a pax 'x' header and its records
// when needed, then the ustar header. The member's data goes right after (out.size() on return is its
// offset relative to out's start), then padding(size) zero bytes. False, and nothing appended, for an
// empty name or one with a NUL byte.
bool append_header(std::string& out, std::string_view name, uint64_t size, int64_t mtime_s);

// Appends a whole member: its header(s), the data, the padding.
bool append_member(std::string& out, std::string_view name, std::span<const unsigned char> data,
                   int64_t mtime_s);

// Appends the end-of-archive marker (kEndSize zero bytes).
void append_end(std::string& out);

}  // namespace dskit::tar
