// A bounded streaming tar reader: walks the members of a POSIX ustar / pax / GNU tar archive held in a file
// (read through pread on an fd) or in memory (for fuzzing and tests), one header at a time, without ever
// allocating what a header dictates beyond a fixed cap.
//
//   dskit::tar::Reader r = dskit::tar::Reader::over_fd(fd, file_size);  // or over_memory(bytes)
//   dskit::tar::Member m;
//   while (r.next(m)) { ... m.name, m.size, m.data_offset ... r.read(m.data_offset, buf) ... }
//   if (r.error()) { ... r.error()->offset, r.error()->what ... }  // else a clean end of archive
//
// Checked: every header's checksum (unsigned, or the historic signed sum), its numeric fields (octal, or
// GNU base-256 for size and mtime), that a member's data lies within the archive's size, a pax extended
// header ('x') or GNU long name ('L') of at most kMaxExtended bytes and a name of at most kMaxName bytes,
// well-formed pax records ("LEN key=value\n"). A pax header's path, size and mtime apply to the member after
// it; a GNU 'L' header's name too; global pax headers ('g') and GNU long link names ('K') are skipped. The
// end is a zero block (the standard two, or one followed by the end of the file); the end of the file without
// it is also a clean end when it falls on a header boundary (truncated archives end there; the caller
// that needs the marker checks saw_end_marker()). Errors are values naming the byte offset of the header at
// fault; after an error next() returns false.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dskit/tar/format.h"

namespace dskit::tar {

inline constexpr std::size_t kMaxExtended = std::size_t{1} << 20;  // a pax or GNU long-name header's data
inline constexpr std::size_t kMaxName = 4096;                      // a member name, as PATH_MAX

struct Member {
  std::string name;            // the pax path or GNU long name when there is one, else prefix/name
  uint64_t size = 0;           // data bytes (the pax size when there is one)
  uint64_t header_offset = 0;  // the member's first header: its pax or 'L' header when it has one
  uint64_t data_offset = 0;    // the first data byte
  char type = '0';             // the ustar type flag ('\0' is reported as '0')
  int64_t mtime = 0;           // seconds (a pax mtime's fraction is dropped)
  // Where the next header starts: the data, rounded up to 512 bytes.
  uint64_t end_offset() const { return data_offset + size + padding(size); }
};

struct TarError {
  uint64_t offset = 0;  // the byte offset of the header (or data) at fault
  std::string what;     // e.g. "bad header checksum", "member data beyond the end of the archive"
};

class Reader {
 public:
  // Reads `size` bytes of the file `fd` with pread (the fd stays the caller's; it is not closed).
  static Reader over_fd(int fd, uint64_t size);
  // Reads `bytes`, which must outlive the reader.
  static Reader over_memory(std::span<const unsigned char> bytes);

  // The next member into `m`; false at the end of the archive or on an error (see error()).
  bool next(Member& m);
  const std::optional<TarError>& error() const { return error_; }
  // Whether the archive ended with a zero block (rather than the end of the file).
  bool saw_end_marker() const { return end_marker_; }
  uint64_t size() const { return size_; }

  // Reads out.size() bytes at `offset` (within the archive, else an error); errno-named on an I/O error.
  std::optional<TarError> read(uint64_t offset, std::span<unsigned char> out) const;

 private:
  Reader(int fd, std::span<const unsigned char> mem, uint64_t size) : fd_(fd), mem_(mem), size_(size) {}
  bool fail(uint64_t offset, std::string what);

  int fd_ = -1;
  std::span<const unsigned char> mem_;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  bool done_ = false;
  bool end_marker_ = false;
  std::optional<TarError> error_;
};

}  // namespace dskit::tar
