// A temporary directory tree for unit tests: made in the constructor, removed in the destructor; and slurp,
// which reads a file whole.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace dskit::test {

class TempTree {
 public:
  TempTree() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/dskit-unit.XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::permissions(root_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  // Creates a file (and its parent directories) holding `content`.
  void file(const std::string& rel, const std::string& content = "") const {
    std::filesystem::create_directories(std::filesystem::path(path(rel)).parent_path());
    const int fd = ::open(path(rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + rel);
    if (!content.empty() &&
        ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()))
      throw std::runtime_error("cannot write " + rel);
    ::close(fd);
  }
  void dir(const std::string& rel) const { std::filesystem::create_directories(path(rel)); }
  void symlink(const std::string& target, const std::string& rel) const {
    if (::symlink(target.c_str(), path(rel).c_str()) != 0) throw std::runtime_error("cannot symlink " + rel);
  }

 private:
  std::string root_;
};

// The whole content of the file at `path` ("" when it cannot be opened).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace dskit::test
