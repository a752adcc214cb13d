// What the binding files of the native module _dskit share: one init function per library module bound, and
// conversions between raw path bytes and Python str (os.fsdecode / os.fsencode: surrogate escapes for bytes
// that are not valid UTF-8), the second without the codec for ASCII paths.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dskit::py {

namespace pyb = pybind11;

void init_walk(pyb::module_& m);
void init_manifest(pyb::module_& m);
void init_order(pyb::module_& m);

inline bool is_ascii(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  return true;
}

// Raw bytes as os.fsdecode gives them, as a new reference (nullptr with a Python error set); needs the GIL.
// ASCII is copied into the str directly (the filesystem encoding is ASCII-compatible on every POSIX system).
inline PyObject* decode_path(std::string_view raw) {
  if (is_ascii(raw)) {
    PyObject* s = PyUnicode_New(static_cast<Py_ssize_t>(raw.size()), 127);
    if (s != nullptr && !raw.empty()) std::memcpy(PyUnicode_1BYTE_DATA(s), raw.data(), raw.size());
    return s;
  }
  return PyUnicode_DecodeFSDefaultAndSize(raw.data(), static_cast<Py_ssize_t>(raw.size()));
}

// Raw bytes as os.fsdecode gives them (needs the GIL).
inline pyb::str fsdecode(std::string_view raw) {
  PyObject* s = decode_path(raw);
  if (s == nullptr) throw pyb::error_already_set();
  return pyb::reinterpret_steal<pyb::str>(s);
}

// True when paths decode as UTF-8 with surrogate escapes (os.fsdecode on Linux unless a legacy locale is
// set): then valid UTF-8 bytes sort as their str does (UTF-8 keeps code-point order).
inline bool fs_encoding_is_utf8() {
  auto sys = pyb::module_::import("sys");
  return pyb::str(sys.attr("getfilesystemencoding")()).cast<std::string>() == "utf-8" &&
         pyb::str(sys.attr("getfilesystemencodeerrors")()).cast<std::string>() == "surrogateescape";
}

// A str, bytes or os.PathLike as raw path bytes (os.fsencode).
inline std::string fsencode(const pyb::handle& h) {
  PyObject* b = nullptr;
  if (!PyUnicode_FSConverter(h.ptr(), &b)) throw pyb::error_already_set();
  auto owned = pyb::reinterpret_steal<pyb::bytes>(b);
  return std::string(owned);
}

}  // namespace dskit::py
