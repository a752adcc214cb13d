// dsbalance's output: the class table, the metrics, JSON, CSV, weights and the resampling summary.
#pragma once

#include <string>
#include <vector>

#include "dskit/balance/balance.h"
#include "dskit/balance/inputs/input.h"
#include "dskit/balance/report.h"
#include "dskit/balance/resample.h"
#include "print_drift.h"

namespace dsbalance {

std::string table_text(const dskit::Distribution& d, const std::string& title, std::size_t name_max);
// The text report; names cut to `name_max` columns.
std::string report_text(const dskit::ReportInput& in, std::size_t name_max);
std::string report_csv(const dskit::Distribution& d);
std::string class_to_idx_json(const std::vector<std::string>& classes);

struct WeightsOut {
  dskit::WeightMethod method;
  double beta;
  const dskit::Distribution* dist;
  std::vector<double> weights, alpha;
};
std::string weights_json(const WeightsOut& w);
std::string weights_yaml(const WeightsOut& w);
std::string weights_torch(const WeightsOut& w);

std::string resample_text(const dskit::ResampleResult& r, std::size_t name_max);
std::string resample_json(const dskit::ResampleResult& r, uint64_t seed);

}  // namespace dsbalance
