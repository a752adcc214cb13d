// Reading the `repeat` column and expanding a manifest's rows by it.
#include "dskit/manifest/repeat.h"

#include <charconv>
#include <cmath>

namespace dskit {

namespace {

// 1-based file line of row `row`: the metadata line and the header come first.
uint64_t line_of(std::size_t row) {
  return static_cast<uint64_t>(row) + 3;
}

}  // namespace

std::optional<ManifestError> read_repeat_counts(const Manifest& m, const std::string& file,
                                                RepeatCounts& out) {
  out = RepeatCounts{};
  const int col = m.find_column(column::repeat);
  if (col == Manifest::npos) {
    out.total = m.size();
    return std::nullopt;
  }
  out.counts.resize(m.size());
  for (std::size_t r = 0; r < m.size(); ++r) {
    const std::string_view cell = m.cell(r, static_cast<std::size_t>(col));
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
    if (cell.empty() || ec != std::errc{} || end != cell.data() + cell.size() || v > kMaxRepeat)
      return ManifestError{file, line_of(r), 0,
                           "repeat: not a count from 0 to " + std::to_string(kMaxRepeat) + ": '" +
                               std::string(cell.substr(0, 40)) + "'"};
    out.counts[r] = static_cast<uint32_t>(v);
    out.total += v;
    if (out.total > kMaxExpandedRows)
      return ManifestError{
          file, line_of(r), 0,
          "repeat: the expanded manifest would exceed " + std::to_string(kMaxExpandedRows) + " rows"};
  }
  return std::nullopt;
}

std::optional<ManifestError> read_row_weights(const Manifest& m, const std::string& file,
                                              const RepeatCounts& repeat, RowWeights& out) {
  out = RowWeights{};
  const int col = m.find_column(column::weight);
  if (col == Manifest::npos) return std::nullopt;
  out.present = true;
  out.weights.resize(m.size());
  for (std::size_t r = 0; r < m.size(); ++r) {
    const std::string_view cell = m.cell(r, static_cast<std::size_t>(col));
    double v = 0;
    const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
    if (cell.empty() || ec != std::errc{} || end != cell.data() + cell.size() || !std::isfinite(v) || v < 0)
      return ManifestError{file, line_of(r), 0,
                           "weight: not a finite number >= 0: '" + std::string(cell.substr(0, 40)) + "'"};
    out.weights[r] = v;
    out.total += static_cast<double>(repeat.of(r)) * v;
    if (!std::isfinite(out.total))
      return ManifestError{file, line_of(r), 0, "weight: the weights add up to more than a double holds"};
    if (v == 0) ++out.zero;
  }
  return std::nullopt;
}

std::vector<std::size_t> expanded_rows(const Manifest& m, const RepeatCounts& r) {
  std::vector<std::size_t> rows;
  rows.reserve(r.present() ? r.total : m.size());
  for (std::size_t i = 0; i < m.size(); ++i)
    for (uint64_t k = r.of(i); k > 0; --k) rows.push_back(i);
  return rows;
}

}  // namespace dskit
