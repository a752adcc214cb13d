#include "dskit/bench/stats.h"

#include <algorithm>

namespace dskit::bench {

Histogram& Latencies::operator[](std::string_view name) {
  for (auto& [n, h] : named)
    if (n == name) return h;
  named.emplace_back(std::string(name), Histogram{});
  return named.back().second;
}

const Histogram* Latencies::find(std::string_view name) const {
  for (const auto& [n, h] : named)
    if (n == name) return &h;
  return nullptr;
}

void Latencies::merge(const Latencies& o) {
  for (const auto& [n, h] : o.named) (*this)[n].merge(h);
}

void ThreadStats::add_error(PathError e) {
  ++error_count;
  if (errors.size() < 100) errors.push_back(std::move(e));
}

Summary summarize(const std::vector<ThreadStats>& threads) {
  Summary s;
  s.threads = static_cast<unsigned>(threads.size());
  if (threads.empty()) return s;
  s.start_ns = threads[0].start_ns;
  s.end_ns = threads[0].end_ns;
  for (const auto& t : threads) {
    s.ops += t.ops;
    s.bytes += t.bytes;
    s.files += t.files;
    s.error_count += t.error_count;
    s.start_ns = std::min(s.start_ns, t.start_ns);
    s.end_ns = std::max(s.end_ns, t.end_ns);
    s.lat.merge(t.lat);
  }
  int64_t first = threads[0].end_ns, last = threads[0].end_ns;
  s.first_done_thread = s.last_done_thread = threads[0].thread;
  for (const auto& t : threads) {
    if (t.end_ns < first) first = t.end_ns, s.first_done_thread = t.thread;
    if (t.end_ns > last) last = t.end_ns, s.last_done_thread = t.thread;
  }
  s.first_done_s = static_cast<double>(first - s.start_ns) / 1e9;
  s.last_done_s = static_cast<double>(last - s.start_ns) / 1e9;
  return s;
}

}  // namespace dskit::bench
