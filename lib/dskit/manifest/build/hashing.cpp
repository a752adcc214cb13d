// dsmanifest's hashing: the files a scan listed, opened beneath the root and hashed in parallel (oneTBB,
// one FileHasher per thread), their stat data refreshed from the open descriptor.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cerrno>

#include "dskit/base/fstype.h"
#include "dskit/hash/hash.h"
#include "dskit/manifest/build/open.h"
#include "dskit/manifest/build/parts.h"

namespace dskit::build_detail {

unsigned hash_threads(const std::string& root, unsigned requested) {
  // Many files in flight on network/FUSE storage (each open and read waits for a round trip), one busy
  // thread per core on local storage (hashing is CPU-bound there).
  return requested ? requested : io_concurrency(root);
}

// Hashes files[which[k]] into out[k], refreshing their stat data from the open descriptor so that size,
// mtime and hash describe the same file. Each file is opened beneath the root (open_beneath: no link
// followed unless the selection follows them, nothing but a regular file) and read up to the size fstat
// gave, so a file swapped or written to since the walk is an error record, never another file's hash.
void hash_files(const std::string& root, std::vector<FileRecord>& files,
                const std::vector<std::size_t>& which, HashAlgo a, unsigned threads, bool follow,
                std::vector<HashOut>& out, BuildProgress* progress) {
  out.assign(which.size(), {});
  if (which.empty()) return;
  const int rootfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    const int err = errno;
    for (auto& o : out) o.err = err, o.op = "open";
    return;
  }
  if (progress) {
    uint64_t bytes = 0;
    for (std::size_t i : which) bytes += files[i].st.size;
    progress->files_to_hash = which.size();
    progress->bytes_to_hash = bytes;
    progress->hashing = true;
  }
  tbb::enumerable_thread_specific<FileHasher> hashers;
  // More threads than cores help on latency-bound storage; oneTBB caps arenas at the core count otherwise.
  tbb::global_control cap(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, which.size(), 1), [&](const auto& range) {
      FileHasher& h = hashers.local();
      std::string raw;
      for (std::size_t k = range.begin(); k != range.end(); ++k) {
        FileRecord& f = files[which[k]];
        const char* p = f.rel.data();  // NUL-terminated in its arena
        if (f.rel.find('\\') != std::string_view::npos) {
          unescape_field(f.rel, raw);
          p = raw.c_str();
        }
        HashOut& o = out[k];
        BeneathFile bf;
        if (const int err = open_beneath(rootfd, p, bf, follow)) {
          o.err = err, o.op = "open", o.detail = bf.detail;
          continue;
        }
        const uint64_t size = static_cast<uint64_t>(bf.st.st_size);
        f.st.size = size;
        f.st.mtime_ns = clamped_ns(bf.st.st_mtim.tv_sec, bf.st.st_mtim.tv_nsec);
        f.st.ino = bf.st.st_ino;
        uint64_t bytes = 0;
        const int err = h.hash_fd(bf.fd, a, o.hex, &bytes, size);
        if (err == FileHasher::kSizeChanged) {
          o.err = EAGAIN, o.op = "read", o.detail = kChangedWhileHashing;
          o.hex.clear();
        } else if (err) {
          o.err = err, o.op = "read";
          o.hex.clear();
        }
        ::close(bf.fd);
        if (progress) {
          progress->files_hashed.fetch_add(1, std::memory_order_relaxed);
          progress->bytes_hashed.fetch_add(bytes, std::memory_order_relaxed);
        }
      }
    });
  });
  ::close(rootfd);
}

PathError hash_error(const std::string& root, std::string_view rel_escaped, const HashOut& h) {
  PathError e{join_path(root, rel_escaped), h.err, h.op ? h.op : ""};
  if (h.detail) e.detail = h.detail;
  return e;
}

}  // namespace dskit::build_detail
