#include "dskit/base/error.h"

#include <cstring>

namespace dskit {

std::string cause(const PathError& e) {
  if (!e.detail.empty()) return e.detail;
  return e.err == ELOOP && e.op == "loop" ? "file system loop detected" : std::strerror(e.err);
}

std::string describe(const PathError& e) {
  std::string out = e.path;
  out += ": ";
  out += cause(e);
  if (!e.op.empty()) {
    out += " (";
    out += e.op;
    out += ")";
  }
  return out;
}

}  // namespace dskit
