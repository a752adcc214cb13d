// The Manifest model: columns, cells in one buffer, typed access, row selection and sorting.
#include "dskit/manifest/manifest.h"

#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "dskit/base/text.h"
#include "dskit/manifest/number_parts.h"

namespace dskit {

using manifest_detail::parse_num;

// ---- Manifest ---------------------------------------------------------------------------------------

int Manifest::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return npos;
}

void Manifest::index_columns() {
  path_col_ = find_column(column::path);
  size_col_ = find_column(column::size);
  mtime_col_ = find_column(column::mtime_ns);
  ino_col_ = find_column(column::ino);
  label_col_ = find_column(column::label);
  hash_col_ = hash == HashAlgo::none ? npos : find_column(hash_column(hash));
}

int Manifest::add_column(std::string_view name) {
  if (const int c = find_column(name); c != npos) return c;
  names_.emplace_back(name);
  cells_.emplace_back(rows_, uint64_t{0});
  index_columns();
  return static_cast<int>(names_.size() - 1);
}

void Manifest::reserve(std::size_t rows, std::size_t bytes) {
  buf_.reserve(bytes);
  for (auto& c : cells_) c.reserve(rows);
}

std::size_t Manifest::add_row() {
  for (auto& c : cells_) c.push_back(0);
  return rows_++;
}

void Manifest::set_cell(std::size_t row, std::size_t col, std::string_view escaped) {
  const uint64_t off = buf_.size();
  buf_.append(escaped);
  cells_[col][row] = off << kLenBits | (escaped.size() & kLenMask);
}

void Manifest::set_cell_raw(std::size_t row, std::size_t col, std::string_view raw) {
  const uint64_t off = buf_.size();
  append_escaped(buf_, raw);
  cells_[col][row] = off << kLenBits | ((buf_.size() - off) & kLenMask);
}

void Manifest::set_cell_uint(std::size_t row, std::size_t col, uint64_t v) {
  const uint64_t off = buf_.size();
  append_uint(buf_, v);
  cells_[col][row] = off << kLenBits | ((buf_.size() - off) & kLenMask);
}

void Manifest::set_cell_int(std::size_t row, std::size_t col, int64_t v) {
  const uint64_t off = buf_.size();
  append_int(buf_, v);
  cells_[col][row] = off << kLenBits | ((buf_.size() - off) & kLenMask);
}

std::string Manifest::abs_path(std::size_t row) const {
  std::string p = path(row);
  if (!p.empty() && p.front() == '/') return p;
  std::string out = root;
  if (out.empty() || out.back() != '/') out += '/';
  out += p;
  return out;
}

uint64_t Manifest::file_size(std::size_t row) const {
  uint64_t v = 0;
  parse_num(opt_cell(row, size_col_), v);
  return v;
}

int64_t Manifest::mtime_ns(std::size_t row) const {
  int64_t v = 0;
  parse_num(opt_cell(row, mtime_col_), v);
  return v;
}

uint64_t Manifest::ino(std::size_t row) const {
  uint64_t v = 0;
  parse_num(opt_cell(row, ino_col_), v);
  return v;
}

void Manifest::select_rows(std::span<const std::size_t> rows) {
  for (auto& col : cells_) {
    std::vector<uint64_t> next(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) next[i] = col[rows[i]];
    col = std::move(next);
  }
  rows_ = rows.size();
}

void Manifest::sort_by_path() {
  if (path_col_ < 0) return;
  std::vector<std::size_t> order(rows_);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto pc = static_cast<std::size_t>(path_col_);
  tbb::parallel_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return cell(a, pc) < cell(b, pc); });
  select_rows(order);
}

std::ptrdiff_t Manifest::find_sorted(std::string_view path_escaped) const {
  if (path_col_ < 0) return npos;
  const auto pc = static_cast<std::size_t>(path_col_);
  std::size_t lo = 0, hi = rows_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (cell(mid, pc) < path_escaped)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < rows_ && cell(lo, pc) == path_escaped) return static_cast<std::ptrdiff_t>(lo);
  return npos;
}

void Manifest::compact() {
  std::string next;
  std::size_t total = 0;
  for (std::size_t c = 0; c < cells_.size(); ++c)
    for (std::size_t r = 0; r < rows_; ++r) total += cells_[c][r] & kLenMask;
  next.reserve(total);
  // Row-major, so that the buffer reads in file order.
  for (std::size_t r = 0; r < rows_; ++r)
    for (std::size_t c = 0; c < cells_.size(); ++c) {
      const std::string_view v = cell(r, c);
      const uint64_t off = next.size();
      next.append(v);
      cells_[c][r] = off << kLenBits | (v.size() & kLenMask);
    }
  buf_ = std::move(next);
}

Manifest make_manifest(std::string root, HashAlgo hash, bool labels) {
  Manifest m;
  m.root = std::move(root);
  m.hash = hash;
  m.add_column(column::path);
  m.add_column(column::size);
  m.add_column(column::mtime_ns);
  m.add_column(column::ino);
  if (hash != HashAlgo::none) m.add_column(hash_column(hash));
  if (labels) m.add_column(column::label);
  return m;
}

}  // namespace dskit
