// dsbalance's inputs: one read (format detected or given) into its label histogram and whatever else its
// format yields, and the two-input form's inputs added together.
#pragma once

#include <cstdint>
#include <string>

#include "dskit/balance/balance.h"
#include "dskit/balance/inputs/input.h"
#include "dskit/manifest/manifest.h"
#include "options.h"

namespace dsbalance {

// One input, read: its format, label histogram and what else the format yields.
struct Input {
  std::string path;
  dskit::BalanceFormat format = dskit::BalanceFormat::manifest;
  dskit::LabelHistogram hist;
  std::string separator;                // of multiple labels; empty for formats without multi-label cells
  dskit::AnnotationResult annotations;  // COCO, YOLO, VOC
  bool annotated = false;               // annotations is set
  dskit::Manifest manifest;             // manifest inputs
  uint64_t errors = 0;                  // unreadable entries (ImageFolder), reported already
};

// Reads one input (format detected unless `format` is set). Errors and warnings are printed; the result is
// kExitOk or kExitUsage.
int read_input(const DsbalanceOptions& o, const std::string& path, const std::string& format,
               const dskit::AnnotationOptions& ao, Input& in);

// The whole dataset of the two-input form: the first input (its path, format and separator; no manifest)
// with the second's counts added. Classes keep the first input's order, then the second's.
Input add_inputs(const Input& first, const Input& second);

}  // namespace dsbalance
