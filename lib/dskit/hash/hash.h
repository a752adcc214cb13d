// Content hashes for manifests: XXH3-128 and XXH3-64, written as `xxhsum -H2` / `-H3` print them
// (canonical big-endian lowercase hex, 32 and 16 characters). Files are read with a large buffer and
// POSIX_FADV_SEQUENTIAL into an XXH3 streaming state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dskit {

enum class HashAlgo : uint8_t { none, xxh3_64, xxh3_128 };

// "xxh3-128", "xxh3-64", "none": the spelling of --hash and of the manifest's `hash=` metadata.
std::string_view hash_name(HashAlgo a);
// "xxh3_128", "xxh3_64", "": the manifest column that holds the hash.
std::string_view hash_column(HashAlgo a);
// Accepts both spellings above (and "none"); nullopt for anything else.
std::optional<HashAlgo> parse_hash_name(std::string_view s);
// Hex digits of one hash: 32, 16, 0.
std::size_t hash_hex_len(HashAlgo a);

// Appends the hex text of the hash of `data`.
void append_hash_hex(std::string& out, std::string_view data, HashAlgo a);

class HashStream;

// One per thread: owns the read buffer (1 MiB by default) and the streaming state.
class FileHasher {
 public:
  explicit FileHasher(std::size_t buffer_size = std::size_t{1} << 20);
  ~FileHasher();
  FileHasher(const FileHasher&) = delete;
  FileHasher& operator=(const FileHasher&) = delete;

  // Hashes the file `path` (relative to `dirfd`, or AT_FDCWD). On success appends the hex text to `hex`,
  // stores the bytes read in `*bytes` (when given) and returns 0; on failure returns the errno value and
  // sets `*op` (when given) to "open" or "read".
  int hash_file(int dirfd, const char* path, HashAlgo a, std::string& hex, uint64_t* bytes = nullptr,
                const char** op = nullptr);
  // The same on an open descriptor, read from offset 0 to the end. `size`, when not ~0, is the file's
  // size from fstat and bounds the read: no byte past it is hashed, and a file found longer or shorter
  // than `size` (one written to while hashed, or a device that never ends) returns kSizeChanged. A file
  // smaller than the buffer is then read with one read() call.
  int hash_fd(int fd, HashAlgo a, std::string& hex, uint64_t* bytes = nullptr, uint64_t size = ~uint64_t{0});
  // Streaming over bytes the caller reads: begin, update with each chunk in order, finish appends the hex.
  void begin(HashAlgo a);
  void update(std::string_view chunk);
  void finish(std::string& hex);
  // hash_fd's result for a file whose length was not `size`; never an errno value.
  static constexpr int kSizeChanged = -1;

 private:
  friend class HashStream;
  int read_ahead(int fd, uint64_t limit, uint64_t& total);
  struct State;
  std::unique_ptr<State> st_;
  std::size_t size_;
  char* buf_ = nullptr;
};

// The hash of bytes handed in pieces (a copy that hashes what it writes): the same streaming state
// FileHasher uses, so the hex is what hash_fd gives for the same bytes.
class HashStream {
 public:
  explicit HashStream(HashAlgo a);
  ~HashStream();
  HashStream(const HashStream&) = delete;
  HashStream& operator=(const HashStream&) = delete;
  void update(const char* p, std::size_t n);
  void finish(std::string& hex);  // appends the hex text

 private:
  std::unique_ptr<FileHasher::State> st_;
};

}  // namespace dskit
