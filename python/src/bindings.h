// What the binding files of the native module _dskit share: one init function per library module bound, and
// conversions between raw path bytes and Python str (os.fsdecode / os.fsencode: surrogate escapes for bytes
// that are not valid UTF-8).
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>

namespace dskit::py {

namespace pyb = pybind11;

void init_walk(pyb::module_& m);
void init_manifest(pyb::module_& m);
void init_order(pyb::module_& m);
void init_balance(pyb::module_& m);

// Raw bytes as os.fsdecode gives them (needs the GIL).
inline pyb::str fsdecode(std::string_view raw) {
  PyObject* s = PyUnicode_DecodeFSDefaultAndSize(raw.data(), static_cast<Py_ssize_t>(raw.size()));
  if (s == nullptr) throw pyb::error_already_set();
  return pyb::reinterpret_steal<pyb::str>(s);
}

// A str, bytes or os.PathLike as raw path bytes (os.fsencode).
inline std::string fsencode(const pyb::handle& h) {
  PyObject* b = nullptr;
  if (!PyUnicode_FSConverter(h.ptr(), &b)) throw pyb::error_already_set();
  auto owned = pyb::reinterpret_steal<pyb::bytes>(b);
  return std::string(owned);
}

}  // namespace dskit::py
