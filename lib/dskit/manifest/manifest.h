// The dataset manifest: the one data type every dskit tool reads and writes. The format is specified in
// man/dskit-manifest.5; this module is the only code that reads or writes it.
//
//   #dskit-manifest v1<TAB>root=/abs/root<TAB>hash=xxh3-128      metadata (extensible key=value fields)
//   path<TAB>size<TAB>mtime_ns<TAB>ino<TAB>xxh3_128<TAB>label      header
//   cat/1.jpg<TAB>1234<TAB>1767225600000000000<TAB>42<TAB>0a1b...<TAB>cat
//
// Cells are kept escaped, exactly as in the file (`\\ \t \n \r \xHH`, see append_escaped), in one
// contiguous buffer; each cell is an (offset, length) pair in a per-column vector. Loading reads the file
// with one read() and parses in place, so 1,000,000 entries load in well under a second. Extra columns
// and unknown metadata keys are kept, in their positions, when a manifest is rewritten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dskit/base/fileio.h"
#include "dskit/hash/hash.h"

namespace dskit {

// ---- Field escaping -------------------------------------------------------------------------------
// Backslash, tab, newline and carriage return become `\\ \t \n \r`; every other control byte (0x00-0x1F,
// 0x7F) and every byte that is not part of a valid UTF-8 sequence becomes `\xHH` (lowercase hex). Nothing
// else is escaped, so ordinary names read as themselves.
void append_escaped(std::string& out, std::string_view raw);
std::string escape_field(std::string_view raw);
// Decodes `field` into `out` (replacing its content). False when an escape is malformed.
bool unescape_field(std::string_view field, std::string& out);
std::string unescape_field(std::string_view field);  // malformed escapes are kept as they are
// True when the cell's escapes are well formed and it holds no raw tab, newline or carriage return.
bool valid_escaped_field(std::string_view field);

// ---- Standard column names ------------------------------------------------------------------------
namespace column {
inline constexpr std::string_view path = "path";          // relative to the root, escaped
inline constexpr std::string_view size = "size";          // bytes, decimal
inline constexpr std::string_view mtime_ns = "mtime_ns";  // nanoseconds since the epoch, decimal
inline constexpr std::string_view ino = "ino";            // inode number (a local cache key, see update)
inline constexpr std::string_view label = "label";        // escaped; empty for no label
// The hash column is named by hash_column(): "xxh3_128" or "xxh3_64".
}  // namespace column

// A failure to read or write a manifest. `line` is 1-based (0: not about one line); `err` is an errno
// value for I/O failures (0 for format errors).
struct ManifestError {
  std::string file;
  uint64_t line = 0;
  int err = 0;
  std::string message;
};
// "FILE:LINE: MESSAGE", or "FILE: MESSAGE" when no line.
std::string describe(const ManifestError& e);

struct LoadOptions {
  std::string root_override;        // non-empty: replaces the recorded root (--root); made absolute
  bool allow_outside_root = false;  // accept paths that are absolute or contain a `..` component
  // Appended to the message for such a path: empty for a tool that has no --allow-outside-root.
  const char* outside_root_hint = " (use --allow-outside-root to accept it)";
};

class Manifest {
 public:
  static constexpr int npos = -1;

  // ---- Metadata (line 1)
  std::string root;                                             // absolute, unescaped, no trailing '/'
  HashAlgo hash = HashAlgo::none;                               // the algorithm of the hash column
  std::vector<std::pair<std::string, std::string>> extra_meta;  // other key=value fields (escaped), in order

  // ---- Columns
  std::size_t num_columns() const { return names_.size(); }
  const std::vector<std::string>& column_names() const { return names_; }
  int find_column(std::string_view name) const;  // npos when absent
  // Appends a column (every existing row gets an empty cell) and returns its index; an existing column of
  // that name is returned as it is.
  int add_column(std::string_view name);
  // Standard columns, npos when absent.
  int path_col() const { return path_col_; }
  int size_col() const { return size_col_; }
  int mtime_col() const { return mtime_col_; }
  int ino_col() const { return ino_col_; }
  int hash_col() const { return hash_col_; }
  int label_col() const { return label_col_; }

  // ---- Rows
  std::size_t size() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  void reserve(std::size_t rows, std::size_t bytes);
  // Appends a row of empty cells; returns its index.
  std::size_t add_row();
  // The cell as stored (escaped). Empty for a column out of range.
  std::string_view cell(std::size_t row, std::size_t col) const {
    const uint64_t v = cells_[col][row];
    return {buf_.data() + (v >> kLenBits), static_cast<std::size_t>(v & kLenMask)};
  }
  // Sets a cell to already-escaped text (see append_escaped). Older text stays in the buffer until compact().
  void set_cell(std::size_t row, std::size_t col, std::string_view escaped);
  void set_cell_raw(std::size_t row, std::size_t col, std::string_view raw);  // escapes `raw`
  void set_cell_uint(std::size_t row, std::size_t col, uint64_t v);
  void set_cell_int(std::size_t row, std::size_t col, int64_t v);

  // ---- Typed access to the standard columns (empty / 0 when the column is absent)
  std::string_view path_escaped(std::size_t row) const { return opt_cell(row, path_col_); }
  std::string path(std::size_t row) const { return unescape_field(path_escaped(row)); }
  std::string abs_path(std::size_t row) const;  // root + "/" + path (the path itself when absolute)
  uint64_t file_size(std::size_t row) const;
  int64_t mtime_ns(std::size_t row) const;
  uint64_t ino(std::size_t row) const;
  std::string_view hash_hex(std::size_t row) const { return opt_cell(row, hash_col_); }
  std::string_view label_escaped(std::size_t row) const { return opt_cell(row, label_col_); }
  std::string label(std::size_t row) const { return unescape_field(label_escaped(row)); }

  // Reorders, subsets or repeats rows: row i afterwards is the former row `rows[i]`.
  void select_rows(std::span<const std::size_t> rows);
  // Sorts rows by the bytes of the path as stored (escaped; for ordinary names the same as the raw bytes),
  // the order `build` writes.
  void sort_by_path();
  // Index of the row with this escaped path, or npos; needs sort_by_path() order (binary search).
  std::ptrdiff_t find_sorted(std::string_view path_escaped) const;
  // Drops text no longer referenced (after many set_cell calls).
  void compact();

 private:
  friend std::optional<ManifestError> parse_manifest(std::string text, const std::string& name,
                                                     const LoadOptions& opts, Manifest& out);
  static constexpr unsigned kLenBits = 24;
  static constexpr uint64_t kLenMask = (uint64_t{1} << kLenBits) - 1;
  std::string_view opt_cell(std::size_t row, int col) const {
    return col < 0 ? std::string_view{} : cell(row, static_cast<std::size_t>(col));
  }
  void index_columns();

  std::string buf_;                           // escaped cell text
  std::vector<std::string> names_;            // column names, in order
  std::vector<std::vector<uint64_t>> cells_;  // [column][row]: offset << 24 | length
  std::size_t rows_ = 0;
  int path_col_ = npos, size_col_ = npos, mtime_col_ = npos, ino_col_ = npos, hash_col_ = npos,
      label_col_ = npos;
};

// An empty manifest with the standard columns: path size mtime_ns ino [hash] [label].
Manifest make_manifest(std::string root, HashAlgo hash, bool labels);

// Reads FILE ("-": standard input) with one read and parses it. Errors name the file and line.
std::optional<ManifestError> load_manifest(const std::string& file, const LoadOptions& opts, Manifest& out);
// Reads FILE ("-": standard input) whole, with as few read() calls as its size allows.
std::optional<ManifestError> read_manifest_text(const std::string& file, std::string& text);
// Parses the text of a manifest; `name` is used in error messages.
std::optional<ManifestError> parse_manifest(std::string text, const std::string& name,
                                            const LoadOptions& opts, Manifest& out);

// Appends the manifest's text (metadata, header, rows) to `out`.
void serialize_manifest(const Manifest& m, std::string& out);
// Writes the manifest to FILE through base/fileio (write_file_atomic with fsync: a regular file is replaced
// atomically, a device or FIFO written in place, "-" or "" is standard output; err = EPIPE when the reader
// went away). describe_write_error() words a failure.
std::optional<PathError> write_manifest(const Manifest& m, const std::string& file);

// Root-relative path checks: true when `rel` is absolute, empty, or has a `..` component.
bool escapes_root(std::string_view rel);

}  // namespace dskit
