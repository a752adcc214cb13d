// What dsbalance does once the input is counted: resample the manifest, add sample weights to it, print
// class weights, or print the report; then the CI gates.
#pragma once

#include <vector>

#include "dskit/balance/balance.h"
#include "input.h"
#include "options.h"
#include "print.h"

namespace dsbalance {

// The one action the flags ask for; the report (text, JSON or CSV) when they ask for none. Resampling and
// weights are for training, so with two inputs they act on the first (train) input alone, counted on its
// own; `after` is the whole dataset counted with the label rules. Errors are printed; the result is kExitOk
// or kExitUsage.
int run_action(const DsbalanceOptions& o, const CheckedOptions& c, Input& first,
               const dskit::Distribution& after, const dskit::ReportInput& ri, std::size_t name_max);

// Prints each gate that tripped ("gate tripped: val: imbalance_ratio 12.30 > 10"); true when any did.
bool gates_tripped(const std::vector<dskit::GateResult>& gates);

}  // namespace dsbalance
