// The native module dskit._dskit: the walker, the manifest and the epoch orders of the dskit library, for
// the pure-Python package around it (python/dskit/).
#include "bindings.h"

PYBIND11_MODULE(_dskit, m) {
  m.doc() = "dskit native core: parallel walk, manifests, epoch orders (see the dskit package)";
  dskit::py::init_walk(m);
  dskit::py::init_manifest(m);
  dskit::py::init_order(m);
  dskit::py::init_balance(m);
}
