// Reading a manifest: the input checked by type and size, then the metadata line, header and rows parsed in
// place.
#include "dskit/manifest/manifest.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "dskit/base/text.h"
#include "dskit/manifest/number_parts.h"

namespace dskit {

using manifest_detail::is_out_of_range;
using manifest_detail::parse_num;

// ---- Reading ----------------------------------------------------------------------------------------

namespace {

constexpr std::string_view kMagic = "#dskit-manifest";
// A cell is stored as (offset, length) with 24 bits of length and 40 of offset.
constexpr std::size_t kMaxCellBytes = (std::size_t{1} << 24) - 1;
constexpr uint64_t kMaxManifestBytes = uint64_t{1} << 40;

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

// One line of the text, without its newline and a carriage return before it.
std::string_view line_at(std::string_view text, std::size_t from, std::size_t& next) {
  const void* p = std::memchr(text.data() + from, '\n', text.size() - from);
  const std::size_t e = p ? static_cast<std::size_t>(static_cast<const char*>(p) - text.data()) : text.size();
  next = e + 1;
  const std::size_t end = (e > from && text[e - 1] == '\r') ? e - 1 : e;
  return text.substr(from, end - from);
}

// Splits `line` at tabs into `fields` (cleared first).
void split_tabs(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  while (i <= line.size()) {
    std::size_t j = line.find('\t', i);
    if (j == std::string_view::npos) j = line.size();
    fields.push_back(line.substr(i, j - i));
    i = j + 1;
  }
}

// Line 1: the magic, the version and the key=value fields (root, hash, others kept in order).
std::optional<std::string> parse_metadata(std::string_view meta, Manifest& out) {
  if (meta.substr(0, kMagic.size()) != kMagic)
    return "not a dskit manifest (the first line must start with '#dskit-manifest v1')";
  std::vector<std::string_view> fields;
  split_tabs(meta, fields);
  if (fields[0] != "#dskit-manifest v1")
    return "unsupported manifest version '" + std::string(fields[0].substr(kMagic.size())) +
           "' (this dskit reads v1)";
  for (std::size_t k = 1; k < fields.size(); ++k) {
    const std::string_view f = fields[k];
    const std::size_t eq = f.find('=');
    if (eq == std::string_view::npos) return "metadata field without '=': " + escape_field(f);
    const std::string_view key = f.substr(0, eq), val = f.substr(eq + 1);
    if (key == "root") {
      if (!unescape_field(val, out.root)) return "bad escape in root=";
      if (out.root.find('\0') != std::string::npos) return "root= holds a NUL byte";
    } else if (key == "hash") {
      auto h = parse_hash_name(val);
      if (!h) return "unknown hash algorithm '" + escape_field(val) + "'";
      out.hash = *h;
    } else {
      out.extra_meta.emplace_back(std::string(key), std::string(val));
    }
  }
  return std::nullopt;
}

// Line 2: the column names, none empty, none twice.
std::optional<std::string> parse_header(std::string_view hdr, std::vector<std::string>& names) {
  std::vector<std::string_view> fields;
  split_tabs(hdr, fields);
  for (const std::string_view c : fields) {
    if (c.empty()) return "empty column name in the header";
    if (std::find(names.begin(), names.end(), c) != names.end())
      return "duplicate column '" + escape_field(c) + "'";
    names.emplace_back(c);
  }
  return std::nullopt;
}

// Where the standard columns are, for checking rows.
struct RowColumns {
  std::size_t count = 0;
  int path = Manifest::npos, size = Manifest::npos, mtime = Manifest::npos, ino = Manifest::npos,
      hash = Manifest::npos, label = Manifest::npos;
  HashAlgo algo = HashAlgo::none;
  std::size_t hash_len = 0;
};

// Splits a row at tabs into `cells` (as many as it has, up to `max`) and returns the field count.
std::size_t split_row(std::string_view line, std::size_t max, std::vector<std::string_view>& cells) {
  std::size_t i = 0, c = 0;
  for (;;) {
    const void* tp = std::memchr(line.data() + i, '\t', line.size() - i);
    const std::size_t j =
        tp ? static_cast<std::size_t>(static_cast<const char*>(tp) - line.data()) : line.size();
    if (c < max) cells[c] = line.substr(i, j - i);
    ++c;
    if (j >= line.size()) break;
    i = j + 1;
  }
  return c;
}

// The checks on one row's cells: a well-formed path inside the root, numbers where numbers belong, hex
// digests of the right length, a well-formed label.
std::optional<std::string> check_row(const RowColumns& cols, std::span<const std::string_view> cells,
                                     std::size_t line_bytes, const LoadOptions& opts, std::string& scratch) {
  auto cell = [&](int col) { return cells[static_cast<std::size_t>(col)]; };
  for (std::size_t k = 0; k < cols.count && line_bytes > kMaxCellBytes; ++k)
    if (cells[k].size() > kMaxCellBytes)
      return "field " + std::to_string(k + 1) + " is " + std::to_string(cells[k].size()) +
             " bytes long; a cell holds at most " + std::to_string(kMaxCellBytes) + " bytes (16 MiB - 1)";
  const std::string_view p = cell(cols.path);
  if (p.empty()) return "empty path";
  if (!valid_escaped_field(p)) return "malformed escape in path '" + std::string(p) + "'";
  // The rules hold for the path a tool opens or prints: the decoded one (`\x2e\x2e` is `..`).
  std::string_view raw = p;
  if (p.find('\\') != std::string_view::npos) {
    unescape_field(p, scratch);
    raw = scratch;
  }
  if (raw.find('\0') != std::string_view::npos)
    return "path '" + std::string(p) + "' holds a NUL byte, which no file name can";
  if (!opts.allow_outside_root && escapes_root(raw))
    return "path '" + std::string(p) + "' is absolute or leaves the root" + opts.outside_root_hint;
  uint64_t u;
  int64_t s;
  if (cols.size >= 0 && !parse_num(cell(cols.size), u))
    return "size '" + escape_field(cell(cols.size)) + "' is not a number of bytes";
  if (cols.mtime >= 0 && !parse_num(cell(cols.mtime), s)) {
    if (is_out_of_range(cell(cols.mtime), s))
      return "mtime_ns '" + escape_field(cell(cols.mtime)) +
             "' is out of range: nanoseconds since 1970 fit 64 bits from 1677 to 2262-04-11";
    return "mtime_ns '" + escape_field(cell(cols.mtime)) + "' is not a number";
  }
  if (cols.ino >= 0 && !cell(cols.ino).empty() && !parse_num(cell(cols.ino), u))
    return "ino '" + escape_field(cell(cols.ino)) + "' is not a number";
  if (cols.hash >= 0) {
    const std::string_view h = cell(cols.hash);
    if (!h.empty() && (h.size() != cols.hash_len || !is_hex(h)))
      return std::string(hash_column(cols.algo)) + " '" + escape_field(h) + "' is not " +
             std::to_string(cols.hash_len) + " hex digits";
  }
  if (cols.label >= 0 && !valid_escaped_field(cell(cols.label))) return "malformed escape in label";
  return std::nullopt;
}

}  // namespace

std::optional<ManifestError> parse_manifest(std::string text, const std::string& name,
                                            const LoadOptions& opts, Manifest& out) {
  out = Manifest{};
  auto error = [&](uint64_t line, std::string msg) { return ManifestError{name, line, 0, std::move(msg)}; };
  out.buf_ = std::move(text);
  const std::string_view t = out.buf_;
  const std::size_t n = t.size();
  if (n == 0) return error(0, "empty file: not a dskit manifest");
  if (n >= kMaxManifestBytes) return error(0, "the manifest is over 1 TiB, the most a dskit manifest holds");

  std::size_t pos = 0;
  if (auto msg = parse_metadata(line_at(t, 0, pos), out)) return error(1, std::move(*msg));
  if (!opts.root_override.empty()) out.root = opts.root_override;
  if (!out.root.empty()) out.root = absolute_root(out.root);

  if (pos > n) return error(2, "no header line");
  if (auto msg = parse_header(line_at(t, pos, pos), out.names_)) return error(2, std::move(*msg));
  out.cells_.assign(out.names_.size(), {});
  out.index_columns();
  if (out.path_col_ < 0) return error(2, "the header has no 'path' column");
  if (out.hash != HashAlgo::none && out.hash_col_ < 0)
    return error(2, "the metadata says hash=" + std::string(hash_name(out.hash)) +
                        " but the header has no '" + std::string(hash_column(out.hash)) + "' column");

  const RowColumns cols{out.names_.size(), out.path_col_,  out.size_col_, out.mtime_col_,        out.ino_col_,
                        out.hash_col_,     out.label_col_, out.hash,      hash_hex_len(out.hash)};
  pos = std::min(pos, n);
  const auto lines =
      static_cast<std::size_t>(std::count(t.begin() + static_cast<std::ptrdiff_t>(pos), t.end(), '\n')) + 1;
  for (auto& c : out.cells_) c.reserve(lines);
  std::vector<std::string_view> cells(cols.count);
  std::string scratch;
  for (uint64_t lineno = 3; pos < n; ++lineno) {
    const std::string_view line = line_at(t, pos, pos);
    if (line.empty()) continue;
    const std::size_t fields = split_row(line, cols.count, cells);
    if (fields != cols.count)
      return error(lineno, "the line has " + std::to_string(fields) + " fields, the header has " +
                               std::to_string(cols.count));
    if (auto msg = check_row(cols, cells, line.size(), opts, scratch)) return error(lineno, std::move(*msg));
    for (std::size_t k = 0; k < cols.count; ++k) {
      const auto off = static_cast<uint64_t>(cells[k].data() - t.data());
      out.cells_[k].push_back(off << Manifest::kLenBits | (cells[k].size() & Manifest::kLenMask));
    }
    ++out.rows_;
  }
  return std::nullopt;
}

namespace {

// Reading stops as soon as what came so far cannot begin a manifest (so that an endless or foreign input
// such as /dev/zero ends early), and a line may not run longer than this without a newline.
constexpr std::size_t kMaxLineBytes = std::size_t{1} << 28;  // 256 MiB

// Whether the first bytes read, `head`, can still begin a manifest: the magic, then a metadata line and a
// header that parse. Complete lines are checked once; `checked` counts the lines already found good.
bool plausible_head(std::string_view head, int& checked) {
  if (checked == 0) {
    const std::size_t k = std::min(head.size(), kMagic.size());
    if (head.substr(0, k) != kMagic.substr(0, k)) return false;
  }
  std::size_t next = 0;
  const std::string_view meta = line_at(head, 0, next);
  if (next > head.size()) return true;  // line 1 not complete yet
  Manifest m;
  if (checked < 1) {
    if (parse_metadata(meta, m)) return false;
    checked = 1;
  }
  const std::string_view hdr = line_at(head, next, next);
  if (next > head.size()) return true;
  std::vector<std::string> names;
  if (parse_header(hdr, names) || std::find(names.begin(), names.end(), column::path) == names.end())
    return false;
  checked = 2;
  return true;
}

void wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::optional<ManifestError> read_manifest_text(const std::string& file, std::string& text) {
  text.clear();
  const bool is_stdin = file == "-";
  // O_NONBLOCK: opening a FIFO does not wait for a writer (poll below does, and a signal ends it).
  const int fd = is_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ManifestError{file, 0, errno, std::strerror(errno)};
  auto fail = [&](ManifestError e) {
    if (!is_stdin) ::close(fd);
    text.clear();
    return e;
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail({file, 0, errno, std::strerror(errno)});
  if (S_ISDIR(st.st_mode)) return fail({file, 0, EISDIR, std::strerror(EISDIR)});
  // A named file must be a regular file or a stream (a FIFO such as <(cat m.tsv), a socket): a device
  // like /dev/zero never ends. Standard input is read as whatever it is.
  const bool regular = S_ISREG(st.st_mode);
  if (!is_stdin && !regular && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
    return fail(
        {file, 0, 0, "not a regular file (a manifest is read from a file, a pipe or standard input)"});
  if (regular && static_cast<uint64_t>(st.st_size) >= kMaxManifestBytes)
    return fail({file, 0, EFBIG, "the manifest is over 1 TiB, the most a dskit manifest holds"});
  // A FIFO opened without a writer reads as empty: wait for one (or for data), as a blocking open would.
  if (S_ISFIFO(st.st_mode) && !is_stdin) wait_readable(fd);
  std::size_t len = 0, line_start = 0;
  int head_checked = 0;
  text.resize(regular ? static_cast<std::size_t>(st.st_size) + 1 : std::size_t{1} << 20);
  for (;;) {
    if (len == text.size()) {
      if (len >= kMaxManifestBytes)
        return fail({file, 0, EFBIG, "the manifest is over 1 TiB, the most a dskit manifest holds"});
      text.resize(std::max<std::size_t>(len * 2, std::size_t{1} << 20));
    }
    const ssize_t r = ::read(fd, text.data() + len, text.size() - len);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {  // a stream with nothing to read yet
        wait_readable(fd);
        continue;
      }
      return fail({file, 0, errno, std::strerror(errno)});
    }
    if (r == 0) break;
    const std::string_view got(text.data() + len, static_cast<std::size_t>(r));
    len += static_cast<std::size_t>(r);
    const void* nl = ::memrchr(got.data(), '\n', got.size());
    if (nl) line_start = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
    // A line of the head can only have completed when a newline came (and the magic is checked first).
    if (head_checked < 2 && (nl || len - got.size() < kMagic.size()) &&
        !plausible_head(std::string_view(text.data(), len), head_checked))
      break;
    if (len - line_start > kMaxLineBytes) {
      const auto line = static_cast<uint64_t>(std::count(text.data(), text.data() + line_start, '\n')) + 1;
      return fail({file, line, 0, "the line is over 256 MiB long (no newline): not a dskit manifest"});
    }
  }
  text.resize(len);
  if (!is_stdin) ::close(fd);
  return std::nullopt;
}

std::optional<ManifestError> load_manifest(const std::string& file, const LoadOptions& opts, Manifest& out) {
  std::string text;
  if (auto err = read_manifest_text(file, text)) return err;
  return parse_manifest(std::move(text), file, opts, out);
}

}  // namespace dskit
