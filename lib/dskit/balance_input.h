// dsbalance's inputs: a dskit manifest's label column, an ImageFolder tree, or a CSV label file, read into a
// LabelHistogram (see balance.h). Format detection: a directory is an ImageFolder tree; a file whose first
// line starts with "#dskit-manifest" is a manifest; a name ending in ".csv" is a CSV file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dskit/balance.h"
#include "dskit/error.h"
#include "dskit/manifest.h"

namespace dskit {

enum class BalanceFormat { manifest, imagefolder, csv };
std::optional<BalanceFormat> parse_balance_format(std::string_view s);
std::string_view balance_format_name(BalanceFormat f);
// The format of PATH, or an error message (missing path, unknown kind of file).
std::optional<std::string> detect_balance_format(const std::string& path, BalanceFormat& out);

// Per-entry labels of a manifest (unescaped). Errors for a manifest without a label column are the caller's.
LabelHistogram manifest_histogram(const Manifest& m);

// ImageFolder: classes are the sorted names of the root's non-hidden subdirectories; every file or symlink
// (not directory) below one, at any depth and not hidden, is one entry of that class.
struct ImageFolderResult {
  LabelHistogram histogram;       // declared = every class, in order
  std::vector<PathError> errors;  // unreadable directories below a class, sorted by path
};
// Returns an error message when the root cannot be read.
std::optional<std::string> imagefolder_histogram(const std::string& root, unsigned threads,
                                                 ImageFolderResult& out);

struct CsvLabelOptions {
  std::string id_column = "id";
  std::string label_column = "label";
};
// A CSV file with a header row naming the columns. Errors (file:line) for unreadable files, a missing
// column, an unterminated quote or a row with too few fields.
std::optional<std::string> csv_histogram(const std::string& file, const CsvLabelOptions& o,
                                         LabelHistogram& out);

}  // namespace dskit
