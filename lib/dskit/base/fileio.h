// The one output path every tool writes through: write_all (EINTR, short writes), and one writer that makes a
// file appear whole or not at all, with an explicit durability choice. What it does depends on what the path
// names (the rules of `-o` in every tool):
//   "-" or ""                      standard output, written in place;
//   /dev/fd/N, /dev/stdout, ...    that open descriptor, written in place at its offset;
//   a character or block device, FIFO or socket: written in place (opened O_WRONLY, never truncated, replaced
//                                  or removed);
//   a symlink                      resolved; its target is replaced atomically and the link stays a link;
//   a regular file or a new path   a temporary file in the same directory (O_TMPFILE, else
//                                  `.NAME.dskit-XXXXXX.tmp` created O_CREAT|O_EXCL|O_NOFOLLOW inside the
//                                  directory opened by fd, random suffix), then linked or renamed over NAME.
// Mode: a new file gets `mode` less the umask (like `>` in a shell or mold's output file); a replaced file
// keeps its permission bits (set-user-ID and set-group-ID dropped) and gets the writer's owner.
// Durability::fsync syncs the file before it is named and the directory after; a failed fsync, fchmod, close
// or rename is an error, and an error leaves the old file as it was and no temporary behind. What is written
// in place (standard output, a device, a FIFO, /dev/fd/N) is never synced, and what a failed run wrote there
// stays written.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/base/error.h"

namespace dskit {

enum class Durability {
  none,   // the page cache decides (chips, shards, plots: re-creatable)
  fsync,  // the file's data, then the directory entry, are on disk when commit() returns (manifests, reports)
};

struct WriteOptions {
  Durability durability = Durability::fsync;
  mode_t mode = 0666;  // a new file's mode before the umask; a replaced regular file keeps its own
  // true for paths the user named (-o FILE): a symlink is followed and a device, FIFO or socket written in
  // place. false for names a tool picks inside its own output directory: whatever is at the name (a symlink,
  // a FIFO) is replaced, never written through.
  bool write_through = true;
  bool use_tmpfile = true;  // false: skip O_TMPFILE and use the named temporary (a test seam)
};

// Writes all of `bytes` to `fd`, retrying on EINTR and short writes. 0, or the errno of the failed write.
int write_all(int fd, std::string_view bytes);

// The temporary name for NAME: ".NAME.dskit-XXXXXX.tmp" (NAME shortened to fit NAME_MAX), XXXXXX random
// [A-Za-z0-9]. Walkers skip such names (is_dskit_temp_name).
std::string temp_name_for(std::string_view name);
bool is_dskit_temp_name(std::string_view name);

// A streaming output: open(), write() chunks, then commit(); destroyed (or abort()ed) without commit, a file
// being replaced is left as it was and the temporary is removed. Errors name the path as given to open().
class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(OutputFile&& o) noexcept { swap(o); }
  OutputFile& operator=(OutputFile&& o) noexcept {
    if (this != &o) {
      abort();
      swap(o);
    }
    return *this;
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() { abort(); }

  std::optional<PathError> open(const std::string& path, const WriteOptions& o = {});
  // The file NAME (a plain file name) inside the open directory DIRFD, as a tool writes into its own output
  // directory opened once: the temporary is made and renamed inside DIRFD (never re-resolved from a path),
  // and whatever is at NAME (a symlink, a FIFO) is replaced, never written through (write_through is
  // ignored). PATH names the file in errors. DIRFD is duplicated: the caller keeps and closes its own.
  std::optional<PathError> open_at(int dirfd, const std::string& name, const std::string& path,
                                   const WriteOptions& o = {});
  std::optional<PathError> write(std::string_view bytes);
  // Names the file (atomic cases) or closes it (in place). After commit or abort the object is closed.
  std::optional<PathError> commit();
  void abort();

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }  // e.g. for fstat before commit (the inode and mtime stay the same)
  bool in_place() const { return kind_ == Kind::in_place; }
  const std::string& path() const { return path_; }

 private:
  enum class Kind { closed, in_place, tmpfile, named_temp };
  void swap(OutputFile& o) noexcept;
  std::optional<PathError> open_in_dir(const WriteOptions& o);  // dirfd_ and name_ set
  PathError error(int err, const char* op) const { return PathError{path_, err, op}; }

  Kind kind_ = Kind::closed;
  int fd_ = -1;
  bool own_fd_ = false;  // false for standard output: never closed
  int dirfd_ = -1;
  bool existed_ = false;  // something was at NAME when opened: the temporary is renamed over it
  Durability durability_ = Durability::fsync;
  std::string path_, name_, temp_;
};

// Opens PATH, writes BYTES, commits (see the rules at the top of this file).
std::optional<PathError> write_file_atomic(const std::string& path, std::string_view bytes,
                                           const WriteOptions& o = {});

// The same, for NAME inside the open directory DIRFD (OutputFile::open_at).
std::optional<PathError> write_file_atomic_at(int dirfd, const std::string& name, const std::string& path,
                                              std::string_view bytes, const WriteOptions& o = {});

// A message for a failed output: "PATH: cannot write: CAUSE", "PATH: cannot create a file in DIR: CAUSE",
// "standard output: CAUSE", ...
std::string describe_write_error(const PathError& e);

// The names in the directory open at DIRFD, without "." and ".." (read from the start through a duplicate of
// the fd, which stays open, its offset back at the start); 0 or the errno of the read.
int list_dir_names(int dirfd, std::vector<std::string>& names);

}  // namespace dskit
