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

// A destination error that ends the run: no space, quota, read-only filesystem.
bool is_fatal_output(int err);

}  // namespace dskit::copy_detail
