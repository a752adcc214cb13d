// dskit._dskit epoch orders: positions of the extended order of an epoch (lib/dskit/order: the keyed Feistel
// order and a rank's share of it, docs/shuffle.md) computed in O(1) memory per position, so a sampler over
// 100M samples holds no index list. Position p >= n of a padded order holds the row at p mod n.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>

#include "bindings.h"
#include "dskit/order/shard.h"
#include "dskit/order/shuffle.h"

namespace dskit::py {

namespace {

ShuffleOptions shuffle_options(const std::string& mode, uint64_t seed, uint64_t epoch, uint64_t block,
                               uint64_t window, uint64_t partitions) {
  ShuffleOptions o;
  if (mode == "none")
    o.mode = ShuffleMode::none;
  else if (mode == "global")
    o.mode = ShuffleMode::global;
  else if (mode == "block")
    o.mode = ShuffleMode::block;
  else if (mode == "shard_local")
    o.mode = ShuffleMode::shard_local;
  else
    throw pyb::value_error("mode: '" + mode + "' is not one of none, global, block, shard_local");
  o.seed = seed;
  o.epoch = epoch;
  o.block = block;
  o.window = window;
  o.partitions = partitions;
  if (auto err = validate(o)) throw pyb::value_error(*err);
  return o;
}

TailPolicy tail_policy(const std::string& tail) {
  if (tail == "uneven") return TailPolicy::uneven;
  if (tail == "drop_last") return TailPolicy::drop_last;
  if (tail == "pad") return TailPolicy::pad;
  throw pyb::value_error("tail: '" + tail + "' is not one of uneven, drop_last, pad");
}

// The rows at positions [begin, end) of the extended order over n rows (p >= n: row at p mod n).
pyb::array_t<uint64_t> positions(const EpochOrder& order, uint64_t begin, uint64_t end) {
  std::vector<uint64_t> rows;
  {
    pyb::gil_scoped_release release;
    const uint64_t n = order.size();
    rows.reserve(end > begin ? end - begin : 0);
    for (uint64_t p = begin; p < end;) {
      const uint64_t q = p % n;
      const uint64_t len = std::min(end - p, n - q);
      order.append(q, q + len, rows);
      p += len;
    }
  }
  pyb::array_t<uint64_t> a(static_cast<pyb::ssize_t>(rows.size()));
  if (!rows.empty()) std::memcpy(a.mutable_data(), rows.data(), rows.size() * sizeof(uint64_t));
  return a;
}

}  // namespace

void init_order(pyb::module_& m) {
  pyb::class_<EpochOrder>(m, "EpochOrder", "The order of one epoch over n rows (docs/shuffle.md)")
      .def(pyb::init([](uint64_t n, uint64_t seed, uint64_t epoch, const std::string& mode, uint64_t block,
                        uint64_t window, uint64_t partitions) {
             return EpochOrder(n, shuffle_options(mode, seed, epoch, block, window, partitions));
           }),
           pyb::arg("n"), pyb::kw_only(), pyb::arg("seed") = 0, pyb::arg("epoch") = 0,
           pyb::arg("mode") = "global", pyb::arg("block") = 0, pyb::arg("window") = 1,
           pyb::arg("partitions") = 1024)
      .def("__len__", &EpochOrder::size)
      .def(
          "at",
          [](const EpochOrder& o, uint64_t pos) {
            if (o.size() == 0) throw pyb::index_error("empty order");
            return o.at(pos % o.size());
          },
          pyb::arg("position"), "The row at a position (positions >= n wrap: padding)")
      .def(
          "rows",
          [](const EpochOrder& o, uint64_t begin, uint64_t end) {
            if (end < begin) throw pyb::value_error("end < begin");
            if (o.size() == 0 && end > begin) throw pyb::index_error("empty order");
            return positions(o, begin, end);
          },
          pyb::arg("begin"), pyb::arg("end"), "The rows at positions [begin, end), as a uint64 array");
  m.def(
      "rank_share",
      [](uint64_t n, uint64_t rank, uint64_t world, const std::string& tail) {
        ShardOptions o;
        o.rank = rank;
        o.world = world;
        o.tail = tail_policy(tail);
        if (auto err = validate(o)) throw pyb::value_error(*err);
        const ShareRange r = rank_share(n, o);
        return pyb::make_tuple(r.begin, r.end);
      },
      pyb::arg("n"), pyb::arg("rank"), pyb::arg("world"), pyb::arg("tail") = "uneven",
      "Positions [begin, end) of a rank's share of the extended order (as dsmanifest shard)");
}

}  // namespace dskit::py
