// Entry filters shared by the tools that walk (dsls, dsmanifest build): type, depth, name, regex,
// exclusions, hidden files, size and modification time. Parsers return an error message, never throw.
#pragma once

#include <regex.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/walk/walk.h"

namespace dskit {

struct SizeFilter {
  enum class Cmp { eq, ge, le } cmp = Cmp::eq;
  uint64_t bytes = 0;
};

// "+10k" (at least), "-2M" (at most), "512" (exactly); after the sign, a size in the grammar of
// base/units.h (powers of 1024, 1.5G, 4KiB). Returns an error message on failure.
std::optional<std::string> parse_size_filter(std::string_view text, SizeFilter& out);

// A point in time: "2026-01-31", "2026-01-31T12:00:00[Z]", "@1767225600" (Unix seconds), or a duration
// before `now_ns` in the grammar of base/units.h: "30s", "15min", "2h", "3d", "1w", "1.5h". Dates are UTC.
std::optional<std::string> parse_time_spec(std::string_view text, int64_t now_ns, int64_t& out_ns);

// A POSIX extended regular expression, searched (unanchored) in a byte string.
class Regex {
 public:
  static std::optional<std::string> compile(const std::string& pattern, std::unique_ptr<Regex>& out);
  ~Regex();
  bool search(std::string_view text) const;

 private:
  Regex() = default;
  regex_t re_{};
  bool compiled_ = false;
};

struct EntryFilter {
  std::vector<FileType> types;  // empty: any type
  int min_depth = 1;
  std::vector<std::string> names;     // globs on the name; any may match
  std::unique_ptr<Regex> regex;       // on the relative path
  std::vector<std::string> excludes;  // globs; a match drops the entry and its subtree
  bool no_hidden = false;             // drop names starting with '.', and their subtrees
  std::vector<SizeFilter> sizes;      // all must hold; only regular files can match
  std::optional<int64_t> newer_ns, older_ns;

  bool needs_stat() const { return !sizes.empty() || newer_ns || older_ns; }
  bool prunes() const { return no_hidden || !excludes.empty(); }
  // True when the entry and its subtree must be skipped (before any stat).
  bool prune(std::string_view rel, std::string_view name) const;
  // True when the entry is to be reported.
  bool match(const Entry& e) const;
};

}  // namespace dskit
