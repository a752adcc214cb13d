// Class balance: label histograms -> per-class counts -> imbalance metrics, loss weights and CI gates;
// label rules (merge with globs, drop, a mapping file). Formulas are documented in man/dsbalance.1.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dskit {

// What an input yields: the distinct raw label strings with their entry counts ("" = unlabelled), and the
// classes that exist even without entries (ImageFolder's empty class folders, COCO categories, YOLO names).
// When `ordered` is set, `declared` is also the class order (COCO: category id order; YOLO: names index
// order; ImageFolder: sorted folder names); otherwise classes are in byte order of their names.
struct LabelHistogram {
  std::map<std::string, uint64_t, std::less<>> raw;
  std::vector<std::string> declared;
  bool ordered = false;
  void add(std::string_view label, uint64_t n = 1);
};

// Label rules, applied to each single label in this order: map (exact), merges (first matching glob),
// drops (globs). A label mapped to "" is dropped.
struct LabelRules {
  std::vector<std::pair<std::string, std::string>> map;     // old -> new
  std::vector<std::pair<std::string, std::string>> merges;  // glob -> destination
  std::vector<std::string> drops;                           // globs
  bool empty() const { return map.empty() && merges.empty() && drops.empty(); }
  // The label after the rules; nullopt when dropped.
  std::optional<std::string> apply(std::string_view label) const;
};

// The CSV records of `text` (RFC 4180; a UTF-8 byte order mark at its start is skipped; blank lines are
// skipped), each given to fn with the line it starts on; stops at fn's first error. Errors:
// "FILE:LINE: unterminated quote", or fn's.
std::optional<std::string> for_each_csv_record(
    const std::string& file, std::string_view text,
    const std::function<std::optional<std::string>(uint64_t line, const std::vector<std::string>& fields)>&
        fn);

// Parses "SRC=DST" (SRC may be a glob). Returns an error message on failure.
std::optional<std::string> parse_merge(std::string_view spec, std::pair<std::string, std::string>& out);
// Reads a two-column CSV file of old,new rows (a first row "old,new" is a header). Errors name file:line.
std::optional<std::string> load_label_map(const std::string& file,
                                          std::vector<std::pair<std::string, std::string>>& out);

struct ClassCount {
  std::string name;
  uint64_t count = 0;
};

// Per-class counts after the rules, in class order: for an ordered histogram, the order of `declared`
// after the rules (a class that several labels are merged into takes the place of the first of them;
// a class not declared comes after the declared ones, in byte order); otherwise byte order of the names.
// For multi-label entries (labels separated by `separator`, empty: no splitting) a class counts the
// entries that carry it.
struct Distribution {
  std::vector<ClassCount> classes;
  uint64_t entries = 0;                   // entries with at least one label after the rules
  uint64_t unlabelled = 0;                // entries with an empty label
  uint64_t dropped = 0;                   // entries whose every label was dropped
  uint64_t label_instances = 0;           // sum of the per-entry label counts (== entries for single labels)
  bool multi_label = false;               // some entry carries two or more labels
  std::vector<std::string> unused_rules;  // --map olds naming no class; merge/drop globs matching none
  std::size_t find(std::string_view name) const;  // index of a class, or classes.size()
};

// Splits a raw label into its labels (trimmed of nothing; empty parts skipped), deduplicated, in order.
std::vector<std::string> split_labels(std::string_view raw, std::string_view separator);

Distribution count_classes(const LabelHistogram& h, const LabelRules& rules, std::string_view separator);

struct BandThresholds {
  uint64_t many = 100;  // head: count > many
  uint64_t few = 20;    // tail: count < few; the rest (few <= count <= many) is the middle band
};

struct Band {
  uint64_t classes = 0;
  uint64_t samples = 0;
};

struct BalanceReport {
  uint64_t total = 0;       // sum of class counts
  std::size_t classes = 0;  // K: every class, empty ones included
  std::size_t empty_classes = 0;
  uint64_t min_count = 0;  // over every class (an empty class gives 0)
  uint64_t max_count = 0;
  double imbalance_ratio = 0;    // max / min over non-empty classes
  double entropy = 0;            // H = -sum p ln p, p = n_c / total
  double evenness = 0;           // H / ln K (1 when K == 1)
  double effective_classes = 0;  // e^H
  double gini = 0;               // mean absolute difference / (2 mean), over the K classes
  double label_cardinality = 0;  // labels per labelled entry
  double mean_ir = 0;            // mean over non-empty classes of max_count / n_c (Charte et al.)
  Band head, middle, tail;
};

BalanceReport balance_report(const Distribution& d, const BandThresholds& bands = {});

// ---- Loss weights
enum class WeightMethod { balanced, inverse, inverse_sqrt, effective };
std::optional<WeightMethod> parse_weight_method(std::string_view s);
std::string_view weight_method_name(WeightMethod m);

// One weight per class (0 for an empty class). balanced: n / (K n_c); inverse: 1/n_c scaled to mean 1;
// inverse-sqrt: 1/sqrt(n_c) scaled to mean 1; effective: (1-beta)/(1-beta^n_c) scaled to sum K; K and the
// means are over the non-empty classes.
std::vector<double> class_weights(const Distribution& d, WeightMethod m, double beta = 0.9999);
// Focal-loss alpha: the weights scaled to sum 1, alpha_c = w_c / sum_j w_j.
std::vector<double> focal_alpha(const std::vector<double>& weights);

// ---- CI gates: "metric op value", metric one of gate_metric_names(), op one of > >= < <= == !=.
// Drift metrics (is_drift_metric) need splits: two inputs or --by.
struct DriftMetrics {
  bool present = false;          // splits were compared
  double tvd = 0, jsd = 0;       // the largest over the non-reference splits
  uint64_t missing_classes = 0;  // classes of the union with no entry in at least one split
  bool leaks_known = false;      // --by on a manifest with a hash column (dskit/manifest/leaks.h)
  uint64_t leaked = 0;           // files whose content also appears in another split
};
struct Gate {
  std::string metric;
  std::string op;
  double value = 0;
  std::string text;  // as given
};
std::optional<std::string> parse_gate(std::string_view expr, Gate& out);
const std::vector<std::string_view>& gate_metric_names();
bool is_drift_metric(std::string_view metric);  // tvd, jsd, missing_classes, leaked
double gate_metric(const BalanceReport& r, const DriftMetrics& drift, std::string_view metric);
// True when the expression holds (the gate trips); `reason` then says why ("imbalance_ratio = 100 > 50").
// A drift gate never trips without drift.present.
bool gate_trips(const Gate& g, const BalanceReport& r, const DriftMetrics& drift, std::string& reason);

}  // namespace dskit
