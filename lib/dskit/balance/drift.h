// Class-distribution drift between the splits of a dataset (train vs val/test): per-split counts and
// shares over the union of classes, classes missing from a split, total variation distance and
// Jensen-Shannon divergence of every split against the reference split. Formulas in man/dsbalance.1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dskit/balance/balance.h"
#include "dskit/manifest/manifest.h"

namespace dskit {

// TVD(p, q) = 1/2 sum_c |p_c - q_c|, in [0, 1]. p and q have the same length.
double total_variation(const std::vector<double>& p, const std::vector<double>& q);
// JSD(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, natural log (0 ln 0 = 0), in [0, ln 2].
double jensen_shannon(const std::vector<double>& p, const std::vector<double>& q);

// A manifest's label histogram per value of `column` (e.g. "split"): train, val and test first (dsmanifest
// split's order), then the other values in the order they first appear in the manifest. Rows
// with an empty value are counted in `unassigned` and left out. An error message when the column is
// missing.
struct SplitHistograms {
  std::vector<std::pair<std::string, LabelHistogram>> splits;
  uint64_t unassigned = 0;
};
std::optional<std::string> manifest_split_histograms(const Manifest& m, std::string_view column,
                                                     SplitHistograms& out);

struct SplitDrift {
  std::string name;
  uint64_t total = 0;
  std::vector<uint64_t> counts;               // per class of DriftReport::classes
  std::vector<double> shares;                 // counts / total (0 when the split is empty)
  std::vector<std::string> missing;           // classes of the union with no entry in this split
  std::vector<std::string> not_in_reference;  // classes with entries here but none in the reference
  double tvd = 0, jsd = 0;                    // against the reference (0 for the reference itself)
};

struct DriftReport {
  std::vector<std::string> classes;  // union of every split's classes, in class order (see drift_report)
  std::vector<SplitDrift> splits;    // the reference first, then the others in their given order
};

// The reference is `reference` when given, else the split named "train" when there is one, else the first.
// Distributions are taken as given (label rules already applied). Classes are in `class_order` (the whole
// dataset's class order), then any other class in byte order.
DriftReport drift_report(const std::vector<std::pair<std::string, Distribution>>& splits,
                         std::optional<std::size_t> reference = std::nullopt,
                         const std::vector<std::string>& class_order = {});

// The drift gate metrics (see DriftMetrics in balance.h) of a report.
DriftMetrics drift_metrics(const DriftReport& r);

}  // namespace dskit
