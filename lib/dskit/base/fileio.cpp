// The one output path (see fileio.h for the rules): where a path leads, temporary files next to it, and the
// commit that names them.
#include "dskit/base/fileio.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace dskit {

namespace {

constexpr int kMaxSymlinkHops = 40;
constexpr int kMaxTempTries = 100;
constexpr std::string_view kTempMark = ".dskit-";
constexpr std::string_view kTempSuffix = ".tmp";

// The descriptor N that /dev/fd/N, /proc/self/fd/N, /dev/stdout or /dev/stderr names, or -1.
int fd_path_number(std::string_view p) {
  if (p == "/dev/stdout") return 1;
  if (p == "/dev/stderr") return 2;
  for (std::string_view prefix : {std::string_view("/dev/fd/"), std::string_view("/proc/self/fd/")}) {
    if (p.substr(0, prefix.size()) != prefix) continue;
    const std::string_view digits = p.substr(prefix.size());
    int n = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && n >= 0) return n;
  }
  return -1;
}

std::string dir_of(const std::string& p) {
  const std::size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

std::string base_of(const std::string& p) {
  const std::size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Follows symlinks from `p` to the path that is not one (or does not exist). 0, or an errno (ELOOP).
int resolve_symlinks(std::string& p) {
  for (int hops = 0; hops < kMaxSymlinkHops; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return 0;
    std::string target(PATH_MAX, '\0');
    const ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
    if (n < 0) return errno;
    if (static_cast<std::size_t>(n) >= target.size()) return ENAMETOOLONG;
    target.resize(static_cast<std::size_t>(n));
    if (target.empty()) return ENOENT;
    if (target[0] == '/') {
      p = target;
    } else {
      const std::size_t slash = p.rfind('/');
      p = slash == std::string::npos ? target : p.substr(0, slash + 1) + target;
    }
  }
  return ELOOP;
}

void random_alnum(char* out, std::size_t n) {
  static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[16] = {};
  n = std::min(n, sizeof bytes);
  if (::getrandom(bytes, n, GRND_NONBLOCK) != static_cast<ssize_t>(n)) {
    // No entropy yet (early boot): the clock and this frame's address still differ between tries.
    uint64_t x = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                 reinterpret_cast<uintptr_t>(&bytes);
    for (std::size_t i = 0; i < n; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      bytes[i] = static_cast<unsigned char>(x >> 56);
    }
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = kAlnum[bytes[i] % (sizeof kAlnum - 1)];
}

}  // namespace

int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), std::min<std::size_t>(bytes.size(), std::size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // a zero-length write of a non-empty buffer: never loop forever
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

std::string temp_name_for(std::string_view name) {
  const std::size_t fixed = 1 + kTempMark.size() + 6 + kTempSuffix.size();
  const std::size_t keep = std::min<std::size_t>(name.size(), NAME_MAX - fixed);
  std::string t;
  t.reserve(fixed + keep);
  t += '.';
  t.append(name.substr(0, keep));
  t += kTempMark;
  char r[6];
  random_alnum(r, sizeof r);
  t.append(r, sizeof r);
  t += kTempSuffix;
  return t;
}

bool is_dskit_temp_name(std::string_view name) {
  const std::size_t tail = kTempMark.size() + 6 + kTempSuffix.size();
  if (name.size() < 1 + tail || name[0] != '.') return false;
  const std::string_view end = name.substr(name.size() - tail);
  if (end.substr(0, kTempMark.size()) != kTempMark ||
      end.substr(end.size() - kTempSuffix.size()) != kTempSuffix)
    return false;
  return std::all_of(end.begin() + static_cast<std::ptrdiff_t>(kTempMark.size()),
                     end.end() - static_cast<std::ptrdiff_t>(kTempSuffix.size()),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

void OutputFile::swap(OutputFile& o) noexcept {
  std::swap(kind_, o.kind_);
  std::swap(fd_, o.fd_);
  std::swap(own_fd_, o.own_fd_);
  std::swap(dirfd_, o.dirfd_);
  std::swap(existed_, o.existed_);
  std::swap(durability_, o.durability_);
  std::swap(path_, o.path_);
  std::swap(name_, o.name_);
  std::swap(temp_, o.temp_);
}

std::optional<PathError> OutputFile::open(const std::string& path, const WriteOptions& o) {
  abort();
  path_ = path.empty() ? "-" : path;
  durability_ = o.durability;
  if (path_ == "-") {
    kind_ = Kind::in_place;
    fd_ = STDOUT_FILENO;
    own_fd_ = false;
    return std::nullopt;
  }
  if (o.write_through) {
    // An open descriptor named by path (bash's >(...), /dev/stdout): write through it at its offset.
    if (const int n = fd_path_number(path_); n >= 0 && ::fcntl(n, F_GETFD) >= 0) {
      const int fd = ::fcntl(n, F_DUPFD_CLOEXEC, 3);
      if (fd < 0) return error(errno, "open");
      kind_ = Kind::in_place;
      fd_ = fd;
      own_fd_ = true;
      return std::nullopt;
    }
  }
  std::string target = path_;
  if (o.write_through)
    if (const int err = resolve_symlinks(target)) return error(err, "resolve");
  name_ = base_of(target);
  if (name_.empty() || name_ == "." || name_ == "..") return error(EISDIR, "create");
  dirfd_ = ::open(dir_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd_ < 0) return error(errno, "create");
  return open_in_dir(o);
}

std::optional<PathError> OutputFile::open_at(int dirfd, const std::string& name, const std::string& path,
                                             const WriteOptions& o) {
  abort();
  path_ = path;
  durability_ = o.durability;
  name_ = name;
  if (name_.empty() || name_ == "." || name_ == ".." || name_.find('/') != std::string::npos)
    return error(EINVAL, "create");
  dirfd_ = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  if (dirfd_ < 0) return error(errno, "create");
  WriteOptions beneath = o;
  beneath.write_through = false;
  return open_in_dir(beneath);
}

std::optional<PathError> OutputFile::open_in_dir(const WriteOptions& o) {
  struct stat st {};
  mode_t keep_mode = 0;
  bool keep = false;
  if (::fstatat(dirfd_, name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(st.st_mode)) {
      abort();
      return error(EISDIR, "create");
    }
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode) && o.write_through) {
      // A device, FIFO or socket: written in place, never truncated or replaced. A FIFO's open waits for
      // its reader, as `>` in a shell does.
      const int fd = ::openat(dirfd_, name_.c_str(), O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        const int err = errno;
        abort();
        return error(err, "open");
      }
      ::close(dirfd_);
      dirfd_ = -1;
      kind_ = Kind::in_place;
      fd_ = fd;
      own_fd_ = true;
      return std::nullopt;
    }
    existed_ = true;
    if (S_ISREG(st.st_mode)) {
      keep = true;
      keep_mode = st.st_mode & 01777;  // no set-user-ID or set-group-ID
    }
  } else if (errno != ENOENT) {
    const int err = errno;
    abort();
    return error(err, "create");
  }

  int fd = -1;
  if (o.use_tmpfile) {
    fd = ::openat(dirfd_, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, o.mode);
    if (fd >= 0) {
      // Naming it later needs /proc (linkat through /proc/self/fd); without /proc use a named temporary.
      const std::string proc = "/proc/self/fd/" + std::to_string(fd);
      if (::access(proc.c_str(), F_OK) == 0) {
        kind_ = Kind::tmpfile;
      } else {
        ::close(fd);
        fd = -1;
      }
    } else if (errno == ENOSPC || errno == EDQUOT || errno == EROFS || errno == EACCES || errno == EPERM) {
      const int err = errno;
      abort();
      return error(err, "create");
    }
  }
  if (fd < 0) {
    for (int i = 0; i < kMaxTempTries && fd < 0; ++i) {
      temp_ = temp_name_for(name_);
      fd = ::openat(dirfd_, temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, o.mode);
      if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
      const int err = errno;
      temp_.clear();
      abort();
      return error(err, "create");
    }
    kind_ = Kind::named_temp;
  }
  fd_ = fd;
  own_fd_ = true;
  if (keep && ::fchmod(fd_, keep_mode) != 0) {
    const int err = errno;
    abort();
    return error(err, "chmod");
  }
  return std::nullopt;
}

std::optional<PathError> OutputFile::write(std::string_view bytes) {
  if (fd_ < 0) return error(EBADF, "write");
  if (const int err = write_all(fd_, bytes)) return error(err, "write");
  return std::nullopt;
}

std::optional<PathError> OutputFile::commit() {
  if (fd_ < 0) return error(EBADF, "write");
  if (kind_ == Kind::in_place) {
    const int fd = fd_;
    const bool own = own_fd_;
    fd_ = -1;
    kind_ = Kind::closed;
    if (own && ::close(fd) != 0) return error(errno, "close");
    return std::nullopt;
  }
  if (durability_ == Durability::fsync && ::fsync(fd_) != 0) {
    const int err = errno;
    abort();
    return error(err, "sync");
  }
  if (kind_ == Kind::named_temp) {
    if (::close(fd_) != 0) {
      const int err = errno;
      fd_ = -1;
      abort();
      return error(err, "close");
    }
    fd_ = -1;
    if (::renameat(dirfd_, temp_.c_str(), dirfd_, name_.c_str()) != 0) {
      const int err = errno;
      abort();
      return error(err, "rename");
    }
    temp_.clear();
  } else {
    const std::string proc = "/proc/self/fd/" + std::to_string(fd_);
    bool named = false;
    if (!existed_) {
      // A new name: the file appears under it in one step.
      if (::linkat(AT_FDCWD, proc.c_str(), dirfd_, name_.c_str(), AT_SYMLINK_FOLLOW) == 0)
        named = true;
      else if (errno != EEXIST) {
        const int err = errno;
        abort();
        return error(err, "link");
      }
    }
    if (!named) {
      // Something is at NAME (or appeared since open): link under a temporary name, rename over it.
      int err = EEXIST;
      for (int i = 0; i < kMaxTempTries && err == EEXIST; ++i) {
        temp_ = temp_name_for(name_);
        err = ::linkat(AT_FDCWD, proc.c_str(), dirfd_, temp_.c_str(), AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
      }
      if (err != 0) {
        temp_.clear();
        abort();
        return error(err, "link");
      }
      if (::renameat(dirfd_, temp_.c_str(), dirfd_, name_.c_str()) != 0) {
        err = errno;
        ::unlinkat(dirfd_, temp_.c_str(), 0);
        temp_.clear();
        abort();
        return error(err, "rename");
      }
      temp_.clear();
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      const int err = errno;
      abort();
      return error(err, "close");
    }
  }
  if (durability_ == Durability::fsync && ::fsync(dirfd_) != 0) {
    const int err = errno;
    abort();
    return error(err, "sync");
  }
  abort();  // closes the directory; nothing else is left to undo
  return std::nullopt;
}

void OutputFile::abort() {
  if (fd_ >= 0 && own_fd_) ::close(fd_);
  fd_ = -1;
  own_fd_ = false;
  if (dirfd_ >= 0) {
    if (!temp_.empty()) ::unlinkat(dirfd_, temp_.c_str(), 0);
    ::close(dirfd_);
  }
  dirfd_ = -1;
  temp_.clear();
  existed_ = false;
  kind_ = Kind::closed;
}

std::optional<PathError> write_file_atomic(const std::string& path, std::string_view bytes,
                                           const WriteOptions& o) {
  OutputFile f;
  if (auto e = f.open(path, o)) return e;
  if (auto e = f.write(bytes)) return e;
  return f.commit();
}

std::optional<PathError> write_file_atomic_at(int dirfd, const std::string& name, const std::string& path,
                                              std::string_view bytes, const WriteOptions& o) {
  OutputFile f;
  if (auto e = f.open_at(dirfd, name, path, o)) return e;
  if (auto e = f.write(bytes)) return e;
  return f.commit();
}

std::string describe_write_error(const PathError& e) {
  const std::string cause = std::strerror(e.err);
  if (e.path.empty() || e.path == "-") return "standard output: " + cause;
  if (e.op == "create") return e.path + ": cannot create a file in " + dir_of(e.path) + ": " + cause;
  if (e.op == "write") return e.path + ": cannot write: " + cause;
  if (e.op == "sync") return e.path + ": cannot sync: " + cause;
  if (e.op == "chmod") return e.path + ": cannot set the mode: " + cause;
  if (e.op == "close") return e.path + ": cannot close: " + cause;
  if (e.op == "rename" || e.op == "link") return e.path + ": cannot rename into place: " + cause;
  return e.path + ": " + cause;
}

int list_dir_names(int dirfd, std::vector<std::string>& names) {
  const int fd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return errno;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    const int err = errno;
    ::close(fd);
    return err;
  }
  rewinddir(d);  // a duplicate shares the offset: read from the start, and leave it there for the caller
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
    errno = 0;
  }
  const int err = errno;
  rewinddir(d);
  ::closedir(d);
  return err;
}

}  // namespace dskit
