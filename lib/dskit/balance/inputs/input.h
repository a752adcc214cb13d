// dsbalance's inputs: a dskit manifest's label column, an ImageFolder tree, a CSV label file, or an
// annotation format (COCO JSON, YOLO, Pascal VOC; coco.h, yolo.h, voc.h), read into a LabelHistogram (see
// balance.h). The formats are one table, balance_input_formats(): each row names a format, says how surely a
// path is of it (detect) and reads it (read); a new format is one file with its detect and read functions and
// one row. Detection: a directory holding data.yaml (or data.yml) is YOLO; a directory holding Annotations/
// with .xml files is VOC; any other directory is an ImageFolder tree; a file whose first line starts with
// "#dskit-manifest" is a manifest; a name ending in ".json" is COCO, in ".csv" a CSV file, in ".yaml" or
// ".yml" a YOLO data file. Anything else (a FIFO, device or socket) is refused without being opened for a
// blocking read: only an explicit --format manifest or csv reads it as a stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dskit/balance/balance.h"
#include "dskit/balance/report.h"
#include "dskit/base/error.h"
#include "dskit/manifest/manifest.h"
#include "dskit/manifest/repeat.h"

struct stat;

namespace dskit {

enum class BalanceFormat { manifest, imagefolder, csv, coco, yolo, voc };
std::optional<BalanceFormat> parse_balance_format(std::string_view s);
std::string_view balance_format_name(BalanceFormat f);
// The format of PATH, or an error message (missing path, unknown kind of file).
std::optional<std::string> detect_balance_format(const std::string& path, BalanceFormat& out);

// Per-entry labels of a manifest (unescaped), each row counted repeat times (dskit/manifest/repeat.h; the
// default: once). Errors for a manifest without a label column are the caller's.
LabelHistogram manifest_histogram(const Manifest& m, const RepeatCounts& repeat = {});

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

// ---- Annotation formats (COCO, YOLO, VOC)
enum class CountUnit { instances, images };  // per annotation, or per image containing the class
std::optional<CountUnit> parse_count_unit(std::string_view s);

struct AnnotationOptions {
  CountUnit unit = CountUnit::instances;
  bool crowd = true;               // COCO: count iscrowd annotations
  bool include_difficult = false;  // VOC: count objects marked difficult
  // COCO: a file of at least 4 chunks has its annotations array parsed in chunks of about this many bytes
  // (0: kJsonChunk), which bounds the parser's memory; smaller files are parsed whole.
  std::size_t json_chunk = 0;
};
inline constexpr std::size_t kJsonChunk = std::size_t{8} << 20;

// AnnotationResult (the counts these formats yield) is declared in balance/report.h.

// ---- The table of input formats
struct InputOptions {
  unsigned threads = 0;           // ImageFolder walk
  CsvLabelOptions csv;            // CSV columns
  AnnotationOptions annotations;  // COCO, YOLO, VOC
};

// One input, read: its label histogram and what else its format yields.
struct InputData {
  LabelHistogram hist;
  bool multi_label = false;       // cells may join several labels (manifest, CSV): the separator applies
  Manifest manifest;              // manifest input
  AnnotationResult annotations;   // COCO, YOLO, VOC (its histogram moved into hist)
  bool annotated = false;         // annotations is set
  std::vector<PathError> errors;  // unreadable entries (ImageFolder), sorted by path
};

// What detection sees of a path: its stat and, for a regular file, its first bytes (up to 15).
struct InputProbe {
  const struct stat& st;
  std::string_view head;
};

struct InputFormat {
  BalanceFormat id;
  std::string_view name;
  // How surely PATH is of this format: 0 not at all, 1 by its name (or as the fallback for directories),
  // 2 by its content. The highest wins; between equals, the earlier row.
  int (*detect)(const std::string& path, const InputProbe& probe);
  // Reads PATH; an error message (file and position) for unreadable or broken input.
  std::optional<std::string> (*read)(const std::string& path, const InputOptions& o, InputData& out);
};

// Every format, in the order of the --format list.
std::span<const InputFormat> balance_input_formats();
const InputFormat& balance_input_format(BalanceFormat f);
// "manifest, imagefolder, csv, coco, yolo, voc"
std::string balance_format_names();

// Reads PATH as format F ("-": a manifest on standard input). A FIFO, device or socket is refused unless F
// reads streams (manifest, CSV); none is ever opened for a blocking read before its type is known.
std::optional<std::string> read_balance_input(BalanceFormat f, const std::string& path, const InputOptions& o,
                                              InputData& out);

}  // namespace dskit
