// dskit._dskit.load_manifest: a dskit manifest (man/dskit-manifest.5) as numpy columns. Paths are decoded
// from their escapes into one byte buffer with offsets (no Python object per row, so DataLoader workers share
// the pages after fork); labels become class indexes into the sorted distinct labels; the repeat column is
// read with its limits. Errors raise ValueError (malformed) or OSError (unreadable) naming file and line.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bindings.h"
#include "dskit/manifest/manifest.h"
#include "dskit/manifest/repeat.h"

namespace dskit::py {

namespace {

[[noreturn]] void raise(const ManifestError& e) {
  if (e.err != 0) {
    errno = e.err;
    PyErr_SetFromErrnoWithFilenameObject(e.err == ENOENT   ? PyExc_FileNotFoundError
                                         : e.err == EACCES ? PyExc_PermissionError
                                                           : PyExc_OSError,
                                         fsdecode(e.file).ptr());
    throw pyb::error_already_set();
  }
  throw pyb::value_error(describe(e));
}

template <class T>
pyb::array_t<T> to_array(const std::vector<T>& v) {
  pyb::array_t<T> a(static_cast<pyb::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

pyb::dict load(const pyb::object& file, const std::optional<pyb::object>& root) {
  const std::string path = fsencode(file);
  LoadOptions lo;
  if (root) lo.root_override = fsencode(*root);
  Manifest m;
  std::optional<ManifestError> err;
  RepeatCounts rep;
  {
    pyb::gil_scoped_release release;
    err = load_manifest(path, lo, m);
    if (!err) err = read_repeat_counts(m, path, rep);
  }
  if (err) raise(*err);

  const std::size_t n = m.size();
  pyb::dict out;
  out["root"] = fsdecode(m.root);
  out["hash"] = std::string(hash_name(m.hash));
  pyb::dict meta;
  for (const auto& [k, v] : m.extra_meta) meta[pyb::str(k)] = fsdecode(unescape_field(v));
  out["metadata"] = meta;
  pyb::list names;
  for (const auto& c : m.column_names()) names.append(fsdecode(c));
  out["columns"] = names;

  // Paths: decoded bytes in one buffer, offsets[i]..offsets[i+1].
  std::string buf;
  std::vector<uint64_t> offsets(n + 1, 0);
  {
    pyb::gil_scoped_release release;
    std::string raw;
    for (std::size_t r = 0; r < n; ++r) {
      unescape_field(m.path_escaped(r), raw);
      buf += raw;
      offsets[r + 1] = buf.size();
    }
  }
  pyb::array_t<uint8_t> path_bytes(static_cast<pyb::ssize_t>(buf.size()));
  if (!buf.empty()) std::memcpy(path_bytes.mutable_data(), buf.data(), buf.size());
  out["path_bytes"] = path_bytes;
  out["path_offsets"] = to_array(offsets);

  if (m.size_col() != Manifest::npos) {
    std::vector<uint64_t> v(n);
    for (std::size_t r = 0; r < n; ++r) v[r] = m.file_size(r);
    out["sizes"] = to_array(v);
  }
  if (m.mtime_col() != Manifest::npos) {
    std::vector<int64_t> v(n);
    for (std::size_t r = 0; r < n; ++r) v[r] = m.mtime_ns(r);
    out["mtimes"] = to_array(v);
  }
  if (m.ino_col() != Manifest::npos) {
    std::vector<uint64_t> v(n);
    for (std::size_t r = 0; r < n; ++r) v[r] = m.ino(r);
    out["inos"] = to_array(v);
  }
  if (m.hash_col() != Manifest::npos) {
    std::size_t width = 1;
    for (std::size_t r = 0; r < n; ++r) width = std::max(width, m.hash_hex(r).size());
    auto dtype = pyb::dtype("S" + std::to_string(width));
    pyb::array hashes(dtype, std::vector<pyb::ssize_t>{static_cast<pyb::ssize_t>(n)});
    char* dst = static_cast<char*>(hashes.mutable_data());
    std::memset(dst, 0, n * width);
    for (std::size_t r = 0; r < n; ++r) {
      const auto h = m.hash_hex(r);
      std::memcpy(dst + r * width, h.data(), h.size());
    }
    out["hashes"] = hashes;
  }
  if (m.label_col() != Manifest::npos) {
    // Distinct labels (escaped, byte order) and each row's index into them; "" (no label) is -1.
    std::map<std::string_view, int32_t> index;
    for (std::size_t r = 0; r < n; ++r)
      if (!m.label_escaped(r).empty()) index.emplace(m.label_escaped(r), 0);
    pyb::list classes;
    int32_t next = 0;
    for (auto& [label, i] : index) {
      i = next++;
      classes.append(fsdecode(unescape_field(label)));
    }
    std::vector<int32_t> labels(n, -1);
    for (std::size_t r = 0; r < n; ++r)
      if (!m.label_escaped(r).empty()) labels[r] = index[m.label_escaped(r)];
    out["classes"] = classes;
    out["labels"] = to_array(labels);
  }
  if (rep.present()) out["repeat"] = to_array(rep.counts);
  // Other columns, decoded, as lists of str (only what the standard ones do not cover).
  pyb::dict extra;
  const int std_cols[] = {m.path_col(),
                          m.size_col(),
                          m.mtime_col(),
                          m.ino_col(),
                          m.hash_col(),
                          m.label_col(),
                          m.find_column(column::repeat)};
  for (std::size_t c = 0; c < m.num_columns(); ++c) {
    if (std::find(std::begin(std_cols), std::end(std_cols), static_cast<int>(c)) != std::end(std_cols))
      continue;
    pyb::list cells(n);
    for (std::size_t r = 0; r < n; ++r) cells[r] = fsdecode(unescape_field(m.cell(r, c)));
    extra[fsdecode(m.column_names()[c])] = cells;
  }
  out["extra"] = extra;
  return out;
}

}  // namespace

void init_manifest(pyb::module_& m) {
  m.def("load_manifest", &load, pyb::arg("path"), pyb::arg("root") = pyb::none(),
        "Loads a dskit manifest into a dict of numpy columns (see dskit.Manifest)");
}

}  // namespace dskit::py
