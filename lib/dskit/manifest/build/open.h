// Opening a file that a walk listed, for hashing, beneath the dataset root and nowhere else. Between the
// walk and the open, a directory on the path may have been swapped for a symbolic link (to a tree outside
// the root) or the file for a link to a device: the open follows no link and refuses anything but a
// regular file, so such a race yields an error record, never the hash of another file and never a hang.
#pragma once

#include <sys/stat.h>

namespace dskit {

// Causes of a refused open, beyond what strerror says (kept in PathError::detail).
inline constexpr const char* kNotRegular = "not a regular file";
inline constexpr const char* kSymlinkInPath = "symbolic link in the path (not followed)";

enum class BeneathMode : unsigned char {
  automatic,   // openat2, else (old kernel, seccomp, path over PATH_MAX) one component at a time
  components,  // one component at a time only (the fallback; tests choose it directly)
};

struct BeneathFile {
  int fd = -1;                   // read-only, O_NONBLOCK, O_CLOEXEC; the caller closes it
  struct stat st {};             // fstat of fd
  const char* detail = nullptr;  // kNotRegular or kSymlinkInPath when the open was refused for that
};

// Opens the regular file `rel` (relative, unescaped, '/'-separated, NUL-terminated) beneath the directory
// `rootfd`. Unless `follow`, no symbolic link is followed and the path cannot leave the root:
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), or where the kernel lacks
// openat2 (ENOSYS) and for paths longer than PATH_MAX, openat with O_NOFOLLOW per component from the
// parent directory's fd. With `follow` (a manifest built with --follow) links are followed as the walk
// followed them. Returns 0 with `f.fd` and `f.st` set, or an errno value (`f.fd` is then -1): ELOOP for a
// link on the way, EXDEV for a path leaving the root, EINVAL with kNotRegular for anything but a regular
// file.
int open_beneath(int rootfd, const char* rel, BeneathFile& f, bool follow = false,
                 BeneathMode mode = BeneathMode::automatic);

// Opens the directory `rel` ("." for the root itself) beneath `rootfd` the same way, following no symbolic
// link (O_RDONLY | O_DIRECTORY | O_CLOEXEC). Returns the descriptor, or -errno (ELOOP: a link on the way).
int open_dir_beneath(int rootfd, const char* rel);

}  // namespace dskit
