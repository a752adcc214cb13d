// Manifest rows from scanned files: a file's row cells, its full path for messages, and the match of a
// scan against an existing manifest (update, verify).
#include <unordered_map>

#include "dskit/manifest/build/parts.h"

namespace dskit::build_detail {

std::string join_path(const std::string& root, std::string_view rel_escaped) {
  std::string s = root;
  if (s.empty() || s.back() != '/') s += '/';
  s += unescape_field(rel_escaped);
  return s;
}

void fill_row(Manifest& m, std::size_t row, const FileRecord& f) {
  m.set_cell(row, static_cast<std::size_t>(m.path_col()), f.rel);
  if (m.size_col() >= 0) m.set_cell_uint(row, static_cast<std::size_t>(m.size_col()), f.st.size);
  if (m.mtime_col() >= 0) m.set_cell_int(row, static_cast<std::size_t>(m.mtime_col()), f.st.mtime_ns);
  if (m.ino_col() >= 0) m.set_cell_uint(row, static_cast<std::size_t>(m.ino_col()), f.st.ino);
}

// For each scanned file (sorted by escaped path), the manifest row with the same path, or -1. A merge of
// two sorted lists when the manifest is in path order (as build and update write it), a hash map otherwise.
std::vector<std::ptrdiff_t> match_rows(const std::vector<FileRecord>& files, const Manifest& m) {
  std::vector<std::ptrdiff_t> rows(files.size(), -1);
  bool sorted = true;
  for (std::size_t i = 1; i < m.size() && sorted; ++i) sorted = m.path_escaped(i - 1) < m.path_escaped(i);
  if (sorted) {
    std::size_t j = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::string_view p = files[i].rel;
      while (j < m.size() && m.path_escaped(j) < p) ++j;
      if (j < m.size() && m.path_escaped(j) == p) rows[i] = static_cast<std::ptrdiff_t>(j++);
    }
    return rows;
  }
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(m.size() * 2);
  for (std::size_t i = 0; i < m.size(); ++i) index.emplace(m.path_escaped(i), i);  // the first of duplicates
  for (std::size_t i = 0; i < files.size(); ++i)
    if (auto it = index.find(files[i].rel); it != index.end())
      rows[i] = static_cast<std::ptrdiff_t>(it->second);
  return rows;
}
}  // namespace dskit::build_detail
