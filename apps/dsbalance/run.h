// dsbalance's flow from checked flags to exit code: read the input(s), count the classes before and after
// the label rules, the drift between splits, the plot, the action, the gates.
#pragma once

#include "options.h"

namespace dsbalance {

// The exit code: kExitOk, kExitPartial (unreadable entries), kExitUsage, or kExitGate.
int run(const DsbalanceOptions& o);

}  // namespace dsbalance
