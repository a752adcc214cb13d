// The content of one file: its data ranges (holes skipped), copy_file_range with a read/write fallback,
// chunks of a large file copied by several threads, or one hashing pass.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dskit/copy/parts.h"

namespace dskit::copy_detail {

namespace {

constexpr std::size_t kBuffer = std::size_t{1} << 20;
constexpr const char* kShrank = "the source changed during the copy";

struct Range {
  uint64_t off, len;
};

// The data ranges of `fd` (size bytes): the whole file unless it has holes and the filesystem reports them.
std::vector<Range> data_ranges(int fd, const struct stat& st) {
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::vector<Range> out;
  if (size == 0) return out;
  if (static_cast<uint64_t>(st.st_blocks) * 512 >= size) return {{0, size}};
  off_t pos = 0;
  while (static_cast<uint64_t>(pos) < size) {
    const off_t data = ::lseek(fd, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole is left
      return {{0, size}};         // no SEEK_DATA here: copy everything
    }
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) return {{0, size}};
    hole = std::min<off_t>(hole, static_cast<off_t>(size));
    if (hole > data) out.push_back({static_cast<uint64_t>(data), static_cast<uint64_t>(hole - data)});
    pos = hole;
  }
  return out;
}

// pread/pwrite of one range through `buf`.
DataError rw_range(int src, int dst, Range r, char* buf, std::atomic<uint64_t>& bytes) {
  while (r.len > 0) {
    const ssize_t n = ::pread(src, buf, std::min<uint64_t>(r.len, kBuffer), static_cast<off_t>(r.off));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno, false, "read"};
    }
    if (n == 0) return {EIO, false, "read", kShrank};
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(n)) {
      const ssize_t w =
          ::pwrite(dst, buf + done, static_cast<std::size_t>(n) - done, static_cast<off_t>(r.off + done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return {errno, true, "write"};
      }
      done += static_cast<std::size_t>(w);
    }
    r.off += static_cast<uint64_t>(n);
    r.len -= static_cast<uint64_t>(n);
    bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
  return {};
}

// copy_file_range for one range; where the kernel cannot (another filesystem, an old kernel, a special
// filesystem) read/write does the rest. `use_cfr` is cleared at the first refusal.
DataError copy_range(int src, int dst, Range r, bool& use_cfr, std::unique_ptr<char[]>& buf,
                     std::atomic<uint64_t>& bytes) {
  while (use_cfr && r.len > 0) {
    loff_t in = static_cast<loff_t>(r.off), out = static_cast<loff_t>(r.off);
    const ssize_t n = ::copy_file_range(src, &in, dst, &out, std::min<uint64_t>(r.len, uint64_t{1} << 30), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS || errno == EBADF ||
          errno == EPERM || errno == ETXTBSY) {
        use_cfr = false;
        break;
      }
      // Which side failed is not said: space and quota are the destination's, the rest the source's.
      const bool out_side = errno == ENOSPC || errno == EDQUOT || errno == EROFS || errno == EFBIG;
      return {errno, out_side, out_side ? "write" : "read"};
    }
    if (n == 0) {  // the source is shorter than it was: read/write tells whether it really ended
      use_cfr = false;
      break;
    }
    r.off += static_cast<uint64_t>(n);
    r.len -= static_cast<uint64_t>(n);
    bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
  if (r.len == 0) return {};
  if (!buf) buf = std::make_unique<char[]>(kBuffer);
  return rw_range(src, dst, r, buf.get(), bytes);
}

// One sequential pass that hashes each byte it copies; holes are read as zeros and written as holes.
DataError hash_copy(int src, int dst, uint64_t size, HashStream& hash, std::atomic<uint64_t>& bytes,
                    uint64_t& written) {
  // A small file gets a small buffer (no mmap'ed megabyte per file) and one read.
  const std::size_t cap = static_cast<std::size_t>(std::min<uint64_t>(size + 1, kBuffer));
  auto buf = std::make_unique<char[]>(cap);
  if (size >= kBuffer) ::posix_fadvise(src, 0, 0, POSIX_FADV_SEQUENTIAL);
  uint64_t off = 0;
  while (off < size) {
    const ssize_t n = ::read(src, buf.get(), static_cast<std::size_t>(std::min<uint64_t>(cap, size - off)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno, false, "read"};
    }
    if (n == 0) break;
    hash.update(buf.get(), static_cast<std::size_t>(n));
    const char* p = buf.get();
    const bool zero = p[0] == 0 && std::equal(p + 1, p + n, p);
    if (!zero) {
      std::size_t done = 0;
      while (done < static_cast<std::size_t>(n)) {
        const ssize_t w =
            ::pwrite(dst, p + done, static_cast<std::size_t>(n) - done, static_cast<off_t>(off + done));
        if (w < 0) {
          if (errno == EINTR) continue;
          return {errno, true, "write"};
        }
        done += static_cast<std::size_t>(w);
      }
      written = off + static_cast<uint64_t>(n);
    }
    off += static_cast<uint64_t>(n);
    bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
  if (off != size) return {EIO, false, "read", kShrank};
  return {};
}

// The chunks of `ranges` (cut at opts.chunk_bytes) numbered i with i % parts == part, taken in order by
// opts.chunk_threads threads.
DataError copy_chunks(int src, int dst, const std::vector<Range>& ranges, const CopyOptions& opts,
                      unsigned part, unsigned parts, std::atomic<uint64_t>& bytes) {
  std::vector<Range> chunks;
  std::size_t i = 0;
  for (Range r : ranges)
    for (uint64_t o = 0; o < r.len; o += opts.chunk_bytes, ++i)
      if (i % parts == part) chunks.push_back({r.off + o, std::min(opts.chunk_bytes, r.len - o)});
  DataError e;
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  const unsigned n =
      static_cast<unsigned>(std::min<std::size_t>(std::max(opts.chunk_threads, 1u), chunks.size()));
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (unsigned t = 0; t < n; ++t) {
    threads.emplace_back([&] {
      bool cfr = opts.copy_file_range;
      std::unique_ptr<char[]> tbuf;
      for (std::size_t k; (k = next.fetch_add(1)) < chunks.size();) {
        const DataError ce = copy_range(src, dst, chunks[k], cfr, tbuf, bytes);
        if (ce.err) {
          const std::lock_guard lock(mu);
          if (!e.err) e = ce;
          next.store(chunks.size());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return e;
}

}  // namespace

DataError copy_share(int src, int dst, const struct stat& st, const CopyOptions& opts, unsigned part,
                     unsigned parts, std::atomic<uint64_t>& bytes) {
  return copy_chunks(src, dst, data_ranges(src, st), opts, part, parts, bytes);
}

bool is_fatal_output(int err) {
  return err == ENOSPC || err == EDQUOT || err == EROFS;
}

DataError copy_data(int src, int dst, const struct stat& st, const CopyOptions& opts, HashStream* hash,
                    std::atomic<uint64_t>& bytes) {
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  DataError e;
  uint64_t written = 0;  // the end of the last byte written
  if (hash) {
    e = hash_copy(src, dst, size, *hash, bytes, written);
  } else {
    std::vector<Range> ranges = data_ranges(src, st);
    if (!ranges.empty()) written = ranges.back().off + ranges.back().len;
    uint64_t total = 0;
    for (const Range& r : ranges) total += r.len;
    bool use_cfr = opts.copy_file_range;
    std::unique_ptr<char[]> buf;
    if (total <= opts.chunk_bytes || opts.chunk_threads <= 1) {
      for (const Range& r : ranges) {
        e = copy_range(src, dst, r, use_cfr, buf, bytes);
        if (e.err) break;
      }
    } else {
      e = copy_chunks(src, dst, ranges, opts, 0, 1, bytes);
    }
  }
  if (e.err) return e;
  // The length, holes at the end included (a file written to its last byte has it already).
  if (written == size) return {};
  if (::ftruncate(dst, static_cast<off_t>(size)) != 0) return {errno, true, "truncate"};
  return {};
}

}  // namespace dskit::copy_detail
