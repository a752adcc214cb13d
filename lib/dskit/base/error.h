// Errors as values: a failed operation on one path, recorded and handed to the caller.
#pragma once

#include <string>
#include <utility>

namespace dskit {

struct PathError {
  PathError() = default;
  PathError(std::string p, int e, std::string o, std::string d = {})
      : path(std::move(p)), err(e), op(std::move(o)), detail(std::move(d)) {}

  std::string path;  // the path as the user would type it
  int err = 0;       // errno value
  std::string op;    // what was being done: "opendir", "stat", "read", "loop", ...
  // The cause when strerror(err) would not say it: "not a regular file", "changed while hashing".
  std::string detail;
};

// The cause alone: the detail, strerror, or "file system loop detected" for a directory loop.
std::string cause(const PathError& e);

// "PATH: CAUSE (OP)", e.g. "data/x: Permission denied (opendir)".
std::string describe(const PathError& e);

}  // namespace dskit
