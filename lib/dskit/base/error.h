// Errors as values: a failed operation on one path, recorded and handed to the caller.
#pragma once

#include <string>

namespace dskit {

struct PathError {
  std::string path;  // the path as the user would type it
  int err = 0;       // errno value
  std::string op;    // what was being done: "opendir", "stat", "read", "loop", ...
};

// The cause alone: strerror, or "file system loop detected" for a directory loop.
std::string cause(const PathError& e);

// "PATH: CAUSE (OP)", e.g. "data/x: Permission denied (opendir)".
std::string describe(const PathError& e);

}  // namespace dskit
