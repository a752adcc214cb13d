#include "dskit/manifest/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "dskit/base/text.h"

namespace dskit {

// ---- Escaping ---------------------------------------------------------------------------------------

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void append_escaped(std::string& out, std::string_view raw) {
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  const std::size_t n = raw.size();
  std::size_t i = 0;
  while (i < n) {
    // Copy the run of bytes that need nothing.
    std::size_t j = i;
    while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '\\') ++j;
    out.append(raw.data() + i, j - i);
    i = j;
    if (i >= n) break;
    const unsigned c = p[i];
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(raw, i);
      if (len > 0) {
        out.append(raw.data() + i, len);
        i += len;
        continue;
      }
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\x";
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 15]);
    }
    ++i;
  }
}

std::string escape_field(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  append_escaped(out, raw);
  return out;
}

bool unescape_field(std::string_view f, std::string& out) {
  out.clear();
  out.reserve(f.size());
  std::size_t i = 0;
  while (i < f.size()) {
    const std::size_t b = f.find('\\', i);
    if (b == std::string_view::npos) {
      out.append(f.substr(i));
      break;
    }
    out.append(f.substr(i, b - i));
    if (b + 1 >= f.size()) return false;
    switch (f[b + 1]) {
      case '\\':
        out.push_back('\\');
        i = b + 2;
        break;
      case 't':
        out.push_back('\t');
        i = b + 2;
        break;
      case 'n':
        out.push_back('\n');
        i = b + 2;
        break;
      case 'r':
        out.push_back('\r');
        i = b + 2;
        break;
      case 'x': {
        if (b + 3 >= f.size()) return false;
        const int hi = hex_value(f[b + 2]), lo = hex_value(f[b + 3]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i = b + 4;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::string unescape_field(std::string_view field) {
  std::string out;
  if (field.find('\\') == std::string_view::npos) return std::string(field);
  if (!unescape_field(field, out)) return std::string(field);
  return out;
}

bool valid_escaped_field(std::string_view f) {
  // The common cell has no backslash; then only a raw separator could make it invalid.
  if (std::memchr(f.data(), '\\', f.size()) == nullptr)
    return std::memchr(f.data(), '\t', f.size()) == nullptr &&
           std::memchr(f.data(), '\n', f.size()) == nullptr &&
           std::memchr(f.data(), '\r', f.size()) == nullptr;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    if (c == '\t' || c == '\n' || c == '\r') return false;
    if (c != '\\') continue;
    if (i + 1 >= f.size()) return false;
    const char e = f[i + 1];
    if (e == '\\' || e == 't' || e == 'n' || e == 'r') {
      ++i;
    } else if (e == 'x') {
      if (i + 3 >= f.size() || hex_value(f[i + 2]) < 0 || hex_value(f[i + 3]) < 0) return false;
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

bool escapes_root(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return true;
  if (rel.find("..") == std::string_view::npos) return false;
  std::size_t i = 0;
  while (i <= rel.size()) {
    std::size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    if (rel.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

std::string describe(const ManifestError& e) {
  std::string s = e.file.empty() ? std::string("-") : e.file;
  if (e.line > 0) {
    s += ':';
    append_uint(s, e.line);
  }
  s += ": ";
  s += e.message;
  return s;
}

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

namespace {

template <typename T>
bool parse_num(std::string_view s, T& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

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

// ---- Reading ----------------------------------------------------------------------------------------

namespace {

constexpr std::string_view kMagic = "#dskit-manifest";

std::string absolute_root(const std::string& r) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(r, ec);
  if (ec) p = r;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

constexpr auto kIsHex = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = true;
  return t;
}();

bool is_hex(std::string_view s) {
  bool ok = true;
  for (char c : s) ok &= kIsHex[static_cast<unsigned char>(c)];
  return ok;
}

}  // namespace

std::optional<ManifestError> parse_manifest(std::string text, const std::string& name,
                                            const LoadOptions& opts, Manifest& out) {
  out = Manifest{};
  auto error = [&](uint64_t line, std::string msg) { return ManifestError{name, line, 0, std::move(msg)}; };
  out.buf_ = std::move(text);
  const std::string& t = out.buf_;
  const char* const base = t.data();
  const std::size_t n = t.size();

  // Line 1: metadata.
  auto line_end = [&](std::size_t from) {
    const void* p = std::memchr(base + from, '\n', n - from);
    return p ? static_cast<std::size_t>(static_cast<const char*>(p) - base) : n;
  };
  auto trim_cr = [&](std::size_t from, std::size_t end) {
    return (end > from && base[end - 1] == '\r') ? end - 1 : end;
  };
  if (n == 0) return error(0, "empty file: not a dskit manifest");
  std::size_t e1 = line_end(0);
  std::string_view meta(base, trim_cr(0, e1));
  if (meta.substr(0, kMagic.size()) != kMagic)
    return error(1, "not a dskit manifest (the first line must start with '#dskit-manifest v1')");
  {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i <= meta.size()) {
      std::size_t j = meta.find('\t', i);
      if (j == std::string_view::npos) j = meta.size();
      fields.push_back(meta.substr(i, j - i));
      i = j + 1;
    }
    if (fields[0] != "#dskit-manifest v1")
      return error(1, "unsupported manifest version '" + std::string(fields[0].substr(kMagic.size())) +
                          "' (this dskit reads v1)");
    bool have_hash = false;
    for (std::size_t k = 1; k < fields.size(); ++k) {
      const std::string_view f = fields[k];
      const std::size_t eq = f.find('=');
      if (eq == std::string_view::npos) return error(1, "metadata field without '=': " + escape_field(f));
      const std::string_view key = f.substr(0, eq), val = f.substr(eq + 1);
      if (key == "root") {
        if (!unescape_field(val, out.root)) return error(1, "bad escape in root=");
      } else if (key == "hash") {
        auto h = parse_hash_name(val);
        if (!h) return error(1, "unknown hash algorithm '" + escape_field(val) + "'");
        out.hash = *h;
        have_hash = true;
      } else {
        out.extra_meta.emplace_back(std::string(key), std::string(val));
      }
    }
    (void)have_hash;
  }
  if (!opts.root_override.empty()) out.root = opts.root_override;
  if (!out.root.empty()) out.root = absolute_root(out.root);

  // Line 2: header.
  if (e1 >= n) return error(2, "no header line");
  const std::size_t s2 = e1 + 1;
  const std::size_t e2 = line_end(s2);
  {
    std::string_view hdr(base + s2, trim_cr(s2, e2) - s2);
    std::size_t i = 0;
    while (i <= hdr.size()) {
      std::size_t j = hdr.find('\t', i);
      if (j == std::string_view::npos) j = hdr.size();
      std::string_view c = hdr.substr(i, j - i);
      if (c.empty()) return error(2, "empty column name in the header");
      if (out.find_column(c) != Manifest::npos) return error(2, "duplicate column '" + escape_field(c) + "'");
      out.names_.emplace_back(c);
      i = j + 1;
    }
  }
  out.cells_.assign(out.names_.size(), {});
  out.index_columns();
  if (out.path_col_ < 0) return error(2, "the header has no 'path' column");
  if (out.hash != HashAlgo::none && out.hash_col_ < 0)
    return error(2, "the metadata says hash=" + std::string(hash_name(out.hash)) +
                        " but the header has no '" + std::string(hash_column(out.hash)) + "' column");

  // Rows.
  const std::size_t ncols = out.names_.size();
  std::size_t body = std::min(e2 + 1, n);
  const auto lines = static_cast<std::size_t>(std::count(base + body, base + n, '\n')) + 1;
  for (auto& c : out.cells_) c.reserve(lines);
  const std::size_t hash_len = hash_hex_len(out.hash);
  const auto pc = static_cast<std::size_t>(out.path_col_);
  uint64_t lineno = 2;
  std::size_t pos = body;
  std::vector<uint64_t> row(ncols);
  while (pos < n) {
    ++lineno;
    const std::size_t e = line_end(pos);
    const std::size_t end = trim_cr(pos, e);
    if (end == pos) {  // empty line
      pos = e + 1;
      continue;
    }
    std::size_t i = pos, c = 0;
    for (;;) {
      const void* tp = std::memchr(base + i, '\t', end - i);
      const std::size_t j = tp ? static_cast<std::size_t>(static_cast<const char*>(tp) - base) : end;
      if (c < ncols) row[c] = uint64_t{i} << Manifest::kLenBits | ((j - i) & Manifest::kLenMask);
      ++c;
      if (j >= end) break;
      i = j + 1;
    }
    if (c != ncols)
      return error(lineno,
                   "the line has " + std::to_string(c) + " fields, the header has " + std::to_string(ncols));
    auto cell = [&](int col) {
      const uint64_t v = row[static_cast<std::size_t>(col)];
      return std::string_view(base + (v >> Manifest::kLenBits),
                              static_cast<std::size_t>(v & Manifest::kLenMask));
    };
    const std::string_view p = cell(static_cast<int>(pc));
    if (p.empty()) return error(lineno, "empty path");
    if (!valid_escaped_field(p)) return error(lineno, "malformed escape in path '" + std::string(p) + "'");
    if (!opts.allow_outside_root && escapes_root(p))
      return error(lineno, "path '" + std::string(p) +
                               "' is absolute or leaves the root (use --allow-outside-root to accept it)");
    uint64_t u;
    int64_t s;
    if (out.size_col_ >= 0 && !parse_num(cell(out.size_col_), u))
      return error(lineno, "size '" + escape_field(cell(out.size_col_)) + "' is not a number of bytes");
    if (out.mtime_col_ >= 0 && !parse_num(cell(out.mtime_col_), s))
      return error(lineno, "mtime_ns '" + escape_field(cell(out.mtime_col_)) + "' is not a number");
    if (out.ino_col_ >= 0 && !cell(out.ino_col_).empty() && !parse_num(cell(out.ino_col_), u))
      return error(lineno, "ino '" + escape_field(cell(out.ino_col_)) + "' is not a number");
    if (out.hash_col_ >= 0) {
      const std::string_view h = cell(out.hash_col_);
      if (!h.empty() && (h.size() != hash_len || !is_hex(h)))
        return error(lineno, std::string(hash_column(out.hash)) + " '" + escape_field(h) + "' is not " +
                                 std::to_string(hash_len) + " hex digits");
    }
    if (out.label_col_ >= 0 && !valid_escaped_field(cell(out.label_col_)))
      return error(lineno, "malformed escape in label");
    for (std::size_t k = 0; k < ncols; ++k) out.cells_[k].push_back(row[k]);
    ++out.rows_;
    pos = e + 1;
  }
  return std::nullopt;
}

std::optional<ManifestError> read_manifest_text(const std::string& file, std::string& text) {
  text.clear();
  const bool is_stdin = file == "-";
  const int fd = is_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ManifestError{file, 0, errno, std::strerror(errno)};
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size) + 1);
  if (S_ISDIR(st.st_mode)) {
    if (!is_stdin) ::close(fd);
    return ManifestError{file, 0, EISDIR, std::strerror(EISDIR)};
  }
  std::size_t chunk = std::max<std::size_t>(text.capacity(), 1 << 20);
  for (;;) {
    const std::size_t old = text.size();
    text.resize(old + chunk);
    const ssize_t r = ::read(fd, text.data() + old, chunk);
    if (r < 0) {
      if (errno == EINTR) {
        text.resize(old);
        continue;
      }
      const int err = errno;
      if (!is_stdin) ::close(fd);
      return ManifestError{file, 0, err, std::strerror(err)};
    }
    text.resize(old + static_cast<std::size_t>(r));
    if (r == 0) break;
    chunk = std::max<std::size_t>(1 << 20, text.size());
  }
  if (!is_stdin) ::close(fd);
  return std::nullopt;
}

std::optional<ManifestError> load_manifest(const std::string& file, const LoadOptions& opts, Manifest& out) {
  std::string text;
  if (auto err = read_manifest_text(file, text)) return err;
  return parse_manifest(std::move(text), file, opts, out);
}

// ---- Writing ----------------------------------------------------------------------------------------

void serialize_manifest(const Manifest& m, std::string& out) {
  std::size_t bytes = 128;
  for (std::size_t c = 0; c < m.num_columns(); ++c)
    for (std::size_t r = 0; r < m.size(); ++r) bytes += m.cell(r, c).size() + 1;
  out.reserve(out.size() + bytes);
  out += "#dskit-manifest v1\troot=";
  append_escaped(out, m.root);
  out += "\thash=";
  out += hash_name(m.hash);
  for (const auto& [k, v] : m.extra_meta) {
    out += '\t';
    out += k;
    out += '=';
    out += v;
  }
  out += '\n';
  const auto& names = m.column_names();
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (c) out += '\t';
    out += names[c];
  }
  out += '\n';
  const std::size_t nc = names.size();
  for (std::size_t r = 0; r < m.size(); ++r) {
    for (std::size_t c = 0; c < nc; ++c) {
      if (c) out += '\t';
      out += m.cell(r, c);
    }
    out += '\n';
  }
}

std::optional<PathError> write_manifest(const Manifest& m, const std::string& file) {
  std::string text;
  serialize_manifest(m, text);
  return write_file_atomic(file, text, {.durability = Durability::fsync});
}

}  // namespace dskit
