// Leakage between the splits of a split manifest (dsmanifest split): content (same hash cell) found in more
// than one split. Used by `dsmanifest leaks` (the listing) and `dsbalance --by split` (the `leaked` gate
// metric), so both count the same thing. Near-duplicates are out of scope: identical bytes only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/manifest/manifest.h"

namespace dskit {

struct LeakGroup {
  std::string hash;                 // the hash cell
  std::vector<std::string> splits;  // escaped split names holding this content, in LeakReport::splits order
  std::vector<std::size_t> rows;    // every row with this content (and a split), in manifest order
};

struct LeakReport {
  std::vector<std::string> splits;  // escaped split names, in order of first appearance in the manifest
  std::vector<LeakGroup> groups;    // content in two splits or more, by hash
  uint64_t leaked_files = 0;        // files whose content also appears in another split
};

// Rows with an empty split cell or an empty hash cell are left out. An error message when the manifest has
// no `split_column` or no hash column.
std::optional<std::string> find_leaks(const Manifest& m, std::string_view split_column, LeakReport& out);

}  // namespace dskit
