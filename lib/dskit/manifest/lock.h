// The advisory lock a writer of a manifest holds for its whole read-modify-write, so that two writers
// (`dsmanifest update m.tsv` and `dsmanifest split -o m.tsv m.tsv`) never lose each other's work. It is
// flock(2) on a lock file beside the manifest, `.NAME.lock` in the manifest's directory, not on the
// manifest itself: writers replace the manifest by an atomic rename, which would leave a lock on the old
// inode. The lock file is removed when the lock is released. Readers take no lock: they always see a
// whole manifest.
#pragma once

#include <optional>
#include <string>

#include "dskit/manifest/manifest.h"

namespace dskit {

// `dir/.NAME.lock` for `dir/NAME` (`.NAME.lock` for a bare NAME).
std::string manifest_lock_path(const std::string& manifest);

class ManifestLock {
 public:
  ManifestLock() = default;
  ManifestLock(ManifestLock&& o) noexcept;
  ManifestLock& operator=(ManifestLock&& o) noexcept;
  ManifestLock(const ManifestLock&) = delete;
  ManifestLock& operator=(const ManifestLock&) = delete;
  ~ManifestLock() { release(); }

  // Takes the lock for writing `manifest`. With `wait`, blocks until another holder releases it;
  // otherwise an error (err = EWOULDBLOCK) says who holds it. Nothing is locked for an output that is not
  // a regular file (standard output, a device, a FIFO): it is written in place, not replaced, and a
  // symbolic link is followed to the file it names. Nor is anything locked when the directory takes no new
  // file (missing, read-only): writing the output fails there anyway, with its own message.
  static std::optional<ManifestError> acquire(const std::string& manifest, bool wait, ManifestLock& out);

  bool held() const { return fd_ >= 0; }
  // The lock file ("" when nothing is locked).
  const std::string& path() const { return path_; }
  // Removes the lock file and releases the lock.
  void release();

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace dskit
