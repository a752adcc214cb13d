// dsbalance's options: the struct the command line fills, the flags that fill it, and their check into what
// the library takes.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "dskit/balance/balance.h"
#include "dskit/balance/inputs/input.h"
#include "dskit/balance/plot/plot.h"

namespace dsbalance {

struct DsbalanceOptions {
  std::string input;
  std::string format;              // empty: detect
  std::string unit = "instances";  // COCO, YOLO, VOC: instances or images
  bool no_crowd = false, include_difficult = false;
  std::string id_column = "id", label_column = "label", separator = "|";
  bool json = false, csv = false, class_to_idx = false;
  std::vector<std::string> merges, drops;
  std::string map_file;
  uint64_t band_many = 100, band_few = 20;
  std::string weights;
  std::string weights_format = "all";
  double beta = 0.9999;
  bool sample_weights = false, resample = false;
  uint64_t max_per_class = 0, target = 0, seed = 0;
  double max_ratio = 0;
  std::string output;
  std::vector<std::string> gates;
  unsigned threads = 0;
  std::string second_input;  // dsbalance TRAIN VAL: the drift of VAL against TRAIN
  std::string by;            // --by COLUMN: the drift between a manifest's splits
  std::string plot, plot_scale = "linear";
  bool stats = false;
};

// The flags, bound to `o`.
void add_options(CLI::App& cli, DsbalanceOptions& o);

// The options checked and turned into the library's types.
struct CheckedOptions {
  dskit::LabelRules rules;
  std::vector<dskit::Gate> gates;
  dskit::WeightMethod method = dskit::WeightMethod::balanced;
  dskit::PlotScale plot_scale = dskit::PlotScale::linear;
  dskit::AnnotationOptions ao;
};

// Checks the flags before any input is read. The first error is printed; the result is kExitOk or kExitUsage.
int check_options(const DsbalanceOptions& o, CheckedOptions& c);

}  // namespace dsbalance
