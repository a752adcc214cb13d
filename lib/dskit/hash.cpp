#include "dskit/hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <new>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

namespace dskit {

std::string_view hash_name(HashAlgo a) {
  switch (a) {
    case HashAlgo::xxh3_64: return "xxh3-64";
    case HashAlgo::xxh3_128: return "xxh3-128";
    case HashAlgo::none: break;
  }
  return "none";
}

std::string_view hash_column(HashAlgo a) {
  switch (a) {
    case HashAlgo::xxh3_64: return "xxh3_64";
    case HashAlgo::xxh3_128: return "xxh3_128";
    case HashAlgo::none: break;
  }
  return "";
}

std::optional<HashAlgo> parse_hash_name(std::string_view s) {
  if (s == "xxh3-128" || s == "xxh3_128" || s == "xxh128") return HashAlgo::xxh3_128;
  if (s == "xxh3-64" || s == "xxh3_64" || s == "xxh3") return HashAlgo::xxh3_64;
  if (s == "none") return HashAlgo::none;
  return std::nullopt;
}

std::size_t hash_hex_len(HashAlgo a) {
  switch (a) {
    case HashAlgo::xxh3_64: return 16;
    case HashAlgo::xxh3_128: return 32;
    case HashAlgo::none: break;
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
  if (a == HashAlgo::xxh3_128) append_128(out, XXH3_128bits(data.data(), data.size()));
  if (a == HashAlgo::xxh3_64) append_64(out, XXH3_64bits(data.data(), data.size()));
}

struct FileHasher::State {
  XXH3_state_t xxh;
};

FileHasher::FileHasher(std::size_t buffer_size) : st_(std::make_unique<State>()), size_(buffer_size) {
  size_ = (size_ + 4095) / 4096 * 4096;
  buf_ = static_cast<char*>(std::aligned_alloc(4096, size_));
  if (buf_ == nullptr) throw std::bad_alloc();
}

FileHasher::~FileHasher() { std::free(buf_); }

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

int FileHasher::hash_fd(int fd, HashAlgo a, std::string& hex, uint64_t* bytes) {
  // A file that fits the buffer (the common case for datasets of small files) is hashed in one call;
  // larger ones stream through the state.
  ssize_t n = read_full(fd, buf_, size_);
  if (n < 0) return errno;
  uint64_t total = static_cast<uint64_t>(n);
  if (static_cast<std::size_t>(n) < size_) {
    if (bytes) *bytes = total;
    append_hash_hex(hex, std::string_view(buf_, static_cast<std::size_t>(n)), a);
    return 0;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  XXH3_state_t* s = &st_->xxh;
  if (a == HashAlgo::xxh3_128)
    XXH3_128bits_reset(s);
  else
    XXH3_64bits_reset(s);
  for (;;) {
    if (a == HashAlgo::xxh3_128)
      XXH3_128bits_update(s, buf_, static_cast<std::size_t>(n));
    else
      XXH3_64bits_update(s, buf_, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < size_) break;
    n = read_full(fd, buf_, size_);
    if (n < 0) return errno;
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
  }
  if (bytes) *bytes = total;
  if (a == HashAlgo::xxh3_128)
    append_128(hex, XXH3_128bits_digest(s));
  else if (a == HashAlgo::xxh3_64)
    append_64(hex, XXH3_64bits_digest(s));
  return 0;
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
