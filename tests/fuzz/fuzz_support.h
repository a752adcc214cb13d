// What the libFuzzer targets of tests/fuzz share: the fuzz input as a file (a memfd reached through
// /proc/self/fd/N, for the parsers whose public API takes a path), a scratch directory for the targets that
// read a directory tree, the input split into parts, and a check that aborts (a finding) when a property
// of the parsed result does not hold.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dskit::fuzz {

// A property every accepted input must have; a violation is a finding like a crash.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

// The input as an anonymous in-memory file; path() names it for APIs that open by path.
class MemFile {
 public:
  MemFile(const unsigned char* data, std::size_t size) {
    fd_ = ::memfd_create("dskit-fuzz", MFD_CLOEXEC);
    check(fd_ >= 0, "memfd_create");
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      check(n > 0, "write to the memfd");
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  ~MemFile() { ::close(fd_); }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// A directory of this process's own under $TMPDIR, emptied for every input and removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/dskit-fuzz.XXXXXX";
    check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    path_ = tmpl;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  // Removes everything inside, keeping the directory.
  void clear() const {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(path_, ec))
      std::filesystem::remove_all(e.path(), ec);
  }
  // Writes `data` to path()/rel, creating its parent directories.
  void write(const std::string& rel, std::string_view data) const {
    const std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    std::FILE* f = std::fopen(p.c_str(), "wb");
    check(f != nullptr, "create a scratch file");
    check(std::fwrite(data.data(), 1, data.size(), f) == data.size(), "write a scratch file");
    std::fclose(f);
  }

 private:
  std::string path_;
};

// The input cut at every occurrence of `sep` (a multi-file input: "part0 SEP part1 SEP ..."); at most
// `max_parts` parts, the last one keeping any further separators.
inline std::vector<std::string_view> split_parts(const unsigned char* data, std::size_t size,
                                                 std::string_view sep, std::size_t max_parts) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const std::size_t at = rest.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(rest.substr(0, at));
    rest.remove_prefix(at + sep.size());
  }
  parts.push_back(rest);
  return parts;
}

}  // namespace dskit::fuzz
