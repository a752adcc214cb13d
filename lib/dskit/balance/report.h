// dsbalance's report as data and as its JSON document: from inputs already read (their label histograms) to
// the class table after the label rules, the metrics and bands, the drift between splits (--by COLUMN or two
// inputs), the gate results, and the `dsbalance --json` document built from them. Shared by dsbalance and
// the Python binding dskit.balance(), so both give the same document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dskit/balance/balance.h"
#include "dskit/balance/drift.h"
#include "dskit/manifest/manifest.h"

namespace dskit {

// Annotation counts of COCO, YOLO and VOC inputs (the readers of balance/inputs fill it).
struct AnnotationResult {
  LabelHistogram histogram;    // raw: class name -> count; declared: every class, in id order
  uint64_t images = 0;         // images (COCO), label files (YOLO), XML files (VOC)
  uint64_t unannotated = 0;    // images without any annotation (YOLO: empty or missing label files)
  uint64_t no_label_file = 0;  // YOLO: images under images/ without a label file (among unannotated)
  uint64_t instances = 0;      // annotations counted
  uint64_t crowd = 0;          // COCO iscrowd annotations (counted or, with crowd off, skipped)
  uint64_t skipped = 0;        // annotations not counted: crowd with crowd off, difficult without include
  uint64_t unknown = 0;        // annotations whose class id is not declared (not counted)
  std::vector<std::string> warnings;  // one line per unknown class id
  // COCO: the parser and its kernels, and the time spent reading the file and parsing it (for --stats).
  std::string parser;
  double read_seconds = 0, parse_seconds = 0;
  uint64_t json_chunks = 0;  // COCO: chunks the annotations array was parsed in (0: the whole file at once)
};

// The splits compared: the manifest column (--by) or "inputs" (two inputs), and the drift between them.
struct SplitsReport {
  std::string by;                   // the manifest column, or "inputs"
  std::vector<std::string> inputs;  // the input paths (two-input form), per split in the report's order
  uint64_t unassigned = 0;          // rows with an empty split cell
  uint64_t missing_classes = 0;     // classes of the union with no entry in at least one split
  DriftReport report;
};

// What the analysis is given: the whole dataset's histogram, and the splits (two inputs: each one's
// histogram, the reference first; --by: taken from `manifest`).
struct BalanceInputs {
  std::string path;  // the (first) input, for messages
  LabelHistogram whole;
  std::string separator;                                       // of multiple labels ("" : none)
  const Manifest* manifest = nullptr;                          // a manifest input: --by, its weight column
  std::vector<std::pair<std::string, LabelHistogram>> splits;  // two-input form
  std::vector<std::string> split_inputs;                       // two-input form: the input paths
};

// A split's name in the two-input form: the input's file stem (or directory name).
std::string input_split_name(const std::string& path);

// The second input's counts added to the first's (the two-input form's whole dataset): raw counts summed,
// declared classes appended (the first input's order, then the second's).
void add_histogram(LabelHistogram& into, const LabelHistogram& from);
void add_annotations(AnnotationResult& into, const AnnotationResult& from);

struct AnalysisOptions {
  std::string map_file;  // the --map file the rules came from, for its message
  LabelRules rules;
  BandThresholds bands;
  std::string by;  // a manifest column to split by; "" : none
  std::vector<Gate> gates;
};

// One gate on one scope: the whole dataset (split "") or one split. A metric of the class table is checked
// on the whole dataset and on every split; tvd and jsd on every split but the reference; missing_classes on
// every split (its classes of the union with no entry); leaked on the whole. `value` is the metric rounded
// as the text report prints it (rounded_metric), and the comparison is made on it.
struct GateResult {
  std::string expr;   // as given
  std::string split;  // "" : the whole dataset
  std::string metric, op;
  double value = 0, threshold = 0;
  bool passed = true;  // false: the gate tripped
};
// The metric rounded to the decimals of the text report (imbalance_ratio and effective_classes 2, entropy,
// evenness, gini and tvd 4, jsd 6; counts are whole numbers).
double rounded_metric(std::string_view metric, double value);
// "imbalance_ratio 12.30 > 10", prefixed "SPLIT: " for a split: the figure as the table prints it.
std::string gate_result_text(const GateResult& g);

// A manifest's `weight` column (dskit/manifest/repeat.h) summed per class: the share of the draws a sampler
// that samples by weight gives each class. A row counts repeat x weight for each of its labels after the
// rules (as it counts repeat times in the class counts).
struct WeightedCounts {
  std::vector<double> per_class;  // per class of the distribution, in its order
  double total = 0;               // sum of per_class
  uint64_t zero_rows = 0;         // rows of weight 0
};

struct BalanceAnalysis {
  Distribution before, after;  // the whole dataset without and with the label rules
  BalanceReport report;        // of `after`
  bool has_splits = false;
  SplitsReport splits;
  std::vector<std::pair<std::string, Distribution>> split_dists;  // per split after the rules, report order
  std::vector<GateResult> gates;
  bool weighted = false;  // the manifest input has a `weight` column
  WeightedCounts weights;
  // A label rule that matches no class ("--merge X matches no class"), and one per split that lacks classes
  // of the union ("val: no entry of classes a, b", as its "missing" says).
  std::vector<std::string> warnings;
};

// Counts, metrics, splits, gates and the weight column's sums. An error message (naming the input) for a
// --by column the manifest lacks, a --map label that names no class, an empty dataset, a bad repeat or
// weight cell, or a `leaked` gate without --by on a manifest with a hash column.
std::optional<std::string> analyze_balance(const BalanceInputs& in, const AnalysisOptions& o,
                                           BalanceAnalysis& out);

// What the JSON document says besides the analysis.
struct ReportInput {
  std::string input, format;
  const Distribution* before = nullptr;  // set when label rules were given
  const Distribution* after = nullptr;
  BalanceReport report;
  BandThresholds bands;
  uint64_t errors = 0;
  const SplitsReport* splits = nullptr;            // --by COLUMN or two inputs
  const AnnotationResult* annotations = nullptr;   // COCO, YOLO, VOC inputs
  std::string unit;                                // their --unit
  const std::vector<GateResult>* gates = nullptr;  // --fail-if
  const WeightedCounts* weighted = nullptr;        // a manifest with a `weight` column
};

// `base` (input, format, errors, annotations, unit) completed with the analysis made with `o`.
ReportInput report_input(const BalanceAnalysis& a, const AnalysisOptions& o, ReportInput base);

// The `dsbalance --json` document (schema in man/dsbalance.1), one line ending in a newline.
std::string report_json(const ReportInput& in);

}  // namespace dskit
