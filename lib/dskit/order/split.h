// Train/val/test assignment that stays put when the dataset grows: a row's split is decided by the XXH3-64
// hash of its group key (the path, or the first capture group of a POSIX ERE), mapped to [0, 1) and
// compared with the cumulative ratios. Optionally stratified by label. Specified in docs/shuffle.md.
#pragma once

#include <regex.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dskit {

struct SplitSpec {
  std::vector<std::string> names;  // one per split
  std::vector<double> cumulative;  // running sums of the ratios, in order; the last is treated as 1
};

// "0.8,0.1,0.1" and "train,val,test" (empty names: train,val,test for three ratios, train,val for two,
// split0,split1,... otherwise). Ratios are decimal numbers >= 0 that sum to 1 (within 1e-6); names are
// distinct, non-empty, and usable as file names.
std::optional<std::string> parse_split_spec(std::string_view ratios, std::string_view names, SplitSpec& out);

// XXH3-64 (seed 0) of the key's bytes.
uint64_t group_hash(std::string_view key);
// The top 53 bits of h as a double in [0, 1): (h >> 11) * 2^-53.
inline double unit_interval(uint64_t h) {
  return static_cast<double>(h >> 11) * 0x1p-53;
}
// The first split whose cumulative ratio exceeds u (the last split when none does).
std::size_t split_of(const SplitSpec& s, double u);

// Extracts group keys from paths with a POSIX extended regular expression: the first capture group's text
// when the expression has one and it took part in the match, else the whole match; the path itself when the
// expression does not match.
class GroupKeyer {
 public:
  static std::optional<std::string> compile(const std::string& pattern, std::unique_ptr<GroupKeyer>& out);
  ~GroupKeyer();
  GroupKeyer(const GroupKeyer&) = delete;
  GroupKeyer& operator=(const GroupKeyer&) = delete;
  // `matched` (when given) is set to whether the expression matched PATH.
  std::string key(const std::string& path, bool* matched = nullptr) const;

 private:
  GroupKeyer() = default;
  regex_t re_{};
  bool compiled_ = false;
  bool has_group_ = false;
};

// The split index of every row. `keys` holds one group key per row; `labels` (same length) the raw labels,
// used only when `stratify` is set: each group's stratum is its most common label (ties: the bytewise
// smallest); within a stratum the groups are ordered by (hash, key) and group j of m goes to
// split_of((j + 0.5) / m).
std::vector<uint32_t> assign_splits(const SplitSpec& s, std::span<const std::string> keys,
                                    std::span<const std::string> labels, bool stratify);

}  // namespace dskit
