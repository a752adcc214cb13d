#include "dskit/hash/hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "dskit/base/enum_names.h"
#include "dskit/hash/xxh3_avx2.h"

namespace dskit {

// The first row of each value is its name; the others are accepted spellings.
constexpr EnumName<HashAlgo> kHashNames[] = {{HashAlgo::xxh3_64, "xxh3-64"}, {HashAlgo::xxh3_128, "xxh3-128"},
                                             {HashAlgo::none, "none"},       {HashAlgo::xxh3_128, "xxh3_128"},
                                             {HashAlgo::xxh3_128, "xxh128"}, {HashAlgo::xxh3_64, "xxh3_64"},
                                             {HashAlgo::xxh3_64, "xxh3"}};
// The manifest's column names.
constexpr EnumName<HashAlgo> kHashColumns[] = {{HashAlgo::xxh3_64, "xxh3_64"},
                                               {HashAlgo::xxh3_128, "xxh3_128"}};

std::string_view hash_name(HashAlgo a) {
  return enum_name(kHashNames, a, "none");
}

std::string_view hash_column(HashAlgo a) {
  return enum_name(kHashColumns, a, "");
}

std::optional<HashAlgo> parse_hash_name(std::string_view s) {
  return parse_enum(kHashNames, s);
}

std::size_t hash_hex_len(HashAlgo a) {
  switch (a) {
    case HashAlgo::xxh3_64:
      return 16;
    case HashAlgo::xxh3_128:
      return 32;
    case HashAlgo::none:
      break;
  }
  return 0;
}

namespace {

void append_hex(std::string& out, const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
}

void append_128(std::string& out, XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  append_hex(out, c.digest, sizeof c.digest);
}

void append_64(std::string& out, XXH64_hash_t h) {
  XXH64_canonical_t c;
  XXH64_canonicalFromHash(&c, h);
  append_hex(out, c.digest, sizeof c.digest);
}

}  // namespace

void append_hash_hex(std::string& out, std::string_view data, HashAlgo a) {
  if (a == HashAlgo::none) return;
  if (xxh3_avx2::supported()) {
    unsigned char d[16];
    const bool wide = a == HashAlgo::xxh3_128;
    xxh3_avx2::oneshot(data.data(), data.size(), wide, d);
    append_hex(out, d, wide ? 16 : 8);
    return;
  }
  if (a == HashAlgo::xxh3_128) append_128(out, XXH3_128bits(data.data(), data.size()));
  if (a == HashAlgo::xxh3_64) append_64(out, XXH3_64bits(data.data(), data.size()));
}

// A streaming XXH3 state: the AVX2 build when the CPU has it, libxxhash otherwise.
struct FileHasher::State {
  XXH3_state_t xxh;
  xxh3_avx2::State* fast = xxh3_avx2::supported() ? xxh3_avx2::create() : nullptr;
  bool wide = true;
  std::vector<char*> slots;  // read-ahead buffers for large files

  ~State() {
    xxh3_avx2::destroy(fast);
    for (char* b : slots) std::free(b);
  }
  void reset(HashAlgo a) {
    wide = a == HashAlgo::xxh3_128;
    if (fast)
      xxh3_avx2::reset(fast, wide);
    else if (wide)
      XXH3_128bits_reset(&xxh);
    else
      XXH3_64bits_reset(&xxh);
  }
  void update(const char* p, std::size_t n) {
    if (fast)
      xxh3_avx2::update(fast, p, n, wide);
    else if (wide)
      XXH3_128bits_update(&xxh, p, n);
    else
      XXH3_64bits_update(&xxh, p, n);
  }
  void finish(std::string& hex) {
    if (fast) {
      unsigned char d[16];
      xxh3_avx2::digest(fast, wide, d);
      append_hex(hex, d, wide ? 16 : 8);
    } else if (wide) {
      append_128(hex, XXH3_128bits_digest(&xxh));
    } else {
      append_64(hex, XXH3_64bits_digest(&xxh));
    }
  }
};

HashStream::HashStream(HashAlgo a) : st_(std::make_unique<FileHasher::State>()) {
  st_->reset(a);
}

HashStream::~HashStream() = default;

void HashStream::update(const char* p, std::size_t n) {
  st_->update(p, n);
}

void HashStream::finish(std::string& hex) {
  st_->finish(hex);
}

FileHasher::FileHasher(std::size_t buffer_size) : st_(std::make_unique<State>()), size_(buffer_size) {
  size_ = (size_ + 4095) / 4096 * 4096;
  buf_ = static_cast<char*>(std::aligned_alloc(4096, size_));
  if (buf_ == nullptr) throw std::bad_alloc();
}

FileHasher::~FileHasher() {
  std::free(buf_);
}

void FileHasher::begin(HashAlgo a) {
  st_->reset(a);
}

void FileHasher::update(std::string_view chunk) {
  st_->update(chunk.data(), chunk.size());
}

void FileHasher::finish(std::string& hex) {
  st_->finish(hex);
}

namespace {

// Reads up to n bytes (fewer only at end of file). Returns -1 with errno on failure.
ssize_t read_full(int fd, char* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

int FileHasher::hash_fd(int fd, HashAlgo a, std::string& hex, uint64_t* bytes, uint64_t size) {
  // A file that fits the buffer (the common case for datasets of small files) is hashed in one call;
  // larger ones stream through the state; large ones (8 buffers or more) are read ahead by a second
  // thread, so that reading (a copy out of the page cache, or the device) and hashing overlap.
  const bool bounded = size != ~uint64_t{0};
  ssize_t n;
  if (bounded && size < size_) {
    // One read of the file and one byte more: the common small file needs no second call to see its
    // end, and a file that grew shows it.
    const std::size_t want = static_cast<std::size_t>(size) + 1;
    do n = ::read(fd, buf_, want);
    while (n < 0 && errno == EINTR);
    if (n >= 0 && static_cast<uint64_t>(n) < size) {
      const ssize_t more = read_full(fd, buf_ + n, want - static_cast<std::size_t>(n));
      n = more < 0 ? more : n + more;
    }
    if (n < 0) return errno;
    if (bytes) *bytes = static_cast<uint64_t>(n);
    if (static_cast<uint64_t>(n) != size) return kSizeChanged;
    append_hash_hex(hex, std::string_view(buf_, static_cast<std::size_t>(n)), a);
    return 0;
  }
  n = read_full(fd, buf_, size_);
  if (n < 0) return errno;
  uint64_t total = static_cast<uint64_t>(n);
  if (static_cast<std::size_t>(n) < size_) {
    if (bytes) *bytes = total;
    if (bounded) return kSizeChanged;  // shorter than its size, which is at least a buffer
    append_hash_hex(hex, std::string_view(buf_, static_cast<std::size_t>(n)), a);
    return 0;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  State& s = *st_;
  s.reset(a);
  s.update(buf_, static_cast<std::size_t>(n));
  uint64_t known = size;
  struct stat st {};
  if (!bounded && ::fstat(fd, &st) == 0) known = static_cast<uint64_t>(st.st_size);
  int err = 0;
  if (known != ~uint64_t{0} && known >= 8 * static_cast<uint64_t>(size_)) {
    err = read_ahead(fd, size, total);
  } else {
    for (;;) {
      const std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(size_, size - total));
      if (want == 0) break;
      n = read_full(fd, buf_, want);
      if (n < 0) {
        err = errno;
        break;
      }
      if (n == 0) break;
      s.update(buf_, static_cast<std::size_t>(n));
      total += static_cast<uint64_t>(n);
      if (static_cast<std::size_t>(n) < want) break;
    }
  }
  if (bytes) *bytes = total;
  if (err) return err;
  if (bounded) {
    // All of `size` read: one byte more means the file grew while it was hashed.
    char c;
    ssize_t extra;
    do extra = ::pread(fd, &c, 1, static_cast<off_t>(size));
    while (extra < 0 && errno == EINTR);
    if (total != size || extra > 0) return kSizeChanged;
  }
  s.finish(hex);
  return 0;
}

// Chunks 1, 2, ... of the file (chunk 0 is already hashed) are read with pread by kReaders threads into a
// ring of slots and hashed in order by the calling thread. Copying out of the page cache is what bounds a
// hot-cache hash (XXH3 with AVX2 is several times faster than the copy), so two readers beat `cat`'s one.
int FileHasher::read_ahead(int fd, uint64_t limit, uint64_t& total) {
  constexpr std::size_t kReaders = 2, kSlots = 8;
  State& s = *st_;
  while (s.slots.size() < kSlots) {
    char* b = static_cast<char*>(std::aligned_alloc(4096, size_));
    if (b == nullptr) throw std::bad_alloc();
    s.slots.push_back(b);
  }
  struct Slot {
    uint64_t chunk = 0;  // which chunk the slot holds (valid when full)
    std::size_t n = 0;
    int err = 0;
    bool full = false;
  };
  Slot slot[kSlots];
  uint64_t consumed = 1;  // chunks hashed so far (chunk 0 by the caller)
  bool done = false;
  std::mutex mu;
  std::condition_variable cv;
  auto reader = [&](std::size_t first) {
    for (uint64_t k = first;; k += kReaders) {
      const std::size_t i = k % kSlots;
      {
        std::unique_lock lk(mu);
        // Slot i is free for chunk k once chunk k - kSlots has been hashed.
        cv.wait(lk, [&] { return done || k < consumed + kSlots; });
        if (done) return;
      }
      // Up to `limit` bytes of the file in all: a chunk past it is empty, which ends the hashing.
      const uint64_t at = k * size_;
      const std::size_t want =
          at >= limit ? 0 : static_cast<std::size_t>(std::min<uint64_t>(size_, limit - at));
      std::size_t got = 0;
      int e = 0;
      while (got < want) {
        const ssize_t r = ::pread(fd, s.slots[i] + got, want - got, static_cast<off_t>(at + got));
        if (r < 0) {
          if (errno == EINTR) continue;
          e = errno;
          break;
        }
        if (r == 0) break;
        got += static_cast<std::size_t>(r);
      }
      {
        std::lock_guard lk(mu);
        slot[i] = {k, got, e, true};
      }
      cv.notify_all();
      if (e || got < size_) return;
    }
  };
  std::thread readers[kReaders];
  for (std::size_t r = 0; r < kReaders; ++r) readers[r] = std::thread(reader, 1 + r);
  int err = 0;
  for (uint64_t k = 1;; ++k) {
    const std::size_t i = k % kSlots;
    Slot got;
    {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return slot[i].full && slot[i].chunk == k; });
      got = slot[i];
    }
    if (got.err) {
      err = got.err;
      break;
    }
    if (got.n) s.update(s.slots[i], got.n);
    total += got.n;
    {
      std::lock_guard lk(mu);
      slot[i].full = false;
      consumed = k + 1;
    }
    cv.notify_all();
    if (got.n < size_) break;
  }
  {
    std::lock_guard lk(mu);
    done = true;
  }
  cv.notify_all();
  for (auto& t : readers) t.join();
  return err;
}

int FileHasher::hash_file(int dirfd, const char* path, HashAlgo a, std::string& hex, uint64_t* bytes,
                          const char** op) {
  const int fd = ::openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (op) *op = "open";
    return errno;
  }
  const int err = hash_fd(fd, a, hex, bytes);
  ::close(fd);
  if (err != 0 && op) *op = "read";
  return err;
}

}  // namespace dskit
