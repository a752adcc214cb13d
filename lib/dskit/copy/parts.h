// Internal to the copy module (only its sources define DSKIT_COPY_INTERNAL): the data copy of one open file,
// shared by the tree copy and the manifest copy.
#pragma once

#ifndef DSKIT_COPY_INTERNAL
#error "dskit/copy/parts.h is internal to lib/dskit/copy"
#endif

#include <sys/stat.h>

#include <atomic>
#include <cstdint>

#include "dskit/copy/copy.h"

namespace dskit::copy_detail {

// A failed data copy: the errno, which side failed and the operation.
struct DataError {
  int err = 0;
  bool output = false;
  const char* op = "";
  const char* detail = nullptr;
};

// Copies the `st.st_size` bytes of `src` into `dst` (a new, empty regular file): holes stay holes
// (SEEK_DATA/SEEK_HOLE when the file has fewer blocks than bytes), copy_file_range first and read/write
// where the kernel refuses it, a file above opts.chunk_bytes in chunks by several threads. With `hash`,
// one sequential read/write pass that hashes what it copies. `bytes` grows as data is written.
DataError copy_data(int src, int dst, const struct stat& st, const CopyOptions& opts, HashStream* hash,
                    std::atomic<uint64_t>& bytes);

// What sync_xattrs did: `changed` when the destination's attributes differed (and, unless dry_run, were
// set); a failure (err, which side, the call); `unsupported`: the destination filesystem has no user.*
// attributes (nothing more is tried on it).
struct XattrResult {
  int err = 0;
  bool output = false, changed = false, unsupported = false;
  const char* op = "";
  const char* detail = nullptr;
};

// Gives `dst` the extended attributes of `src` (user.*, and as `root` trusted.* and security.*), both open
// descriptors: missing or different ones set, with !fresh the ones `src` lacks removed. A list or a value
// above 64 KiB (the kernel's XATTR_SIZE_MAX) is an error (E2BIG), never read.
XattrResult sync_xattrs(int src, int dst, bool fresh, bool root, bool dry_run);

// Under MPI, one rank's part of a large file: the chunks of its data (cut at opts.chunk_bytes, holes
// skipped) numbered i with i % parts == part, written at their offsets into `dst` (the file shared by the
// ranks; its length is set by whoever finishes it).
DataError copy_share(int src, int dst, const struct stat& st, const CopyOptions& opts, unsigned part,
                     unsigned parts, std::atomic<uint64_t>& bytes);

// A destination error that ends the run: no space, quota, read-only filesystem.
bool is_fatal_output(int err);

}  // namespace dskit::copy_detail
