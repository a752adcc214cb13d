// The walker's queue of tasks: groups of tasks that share a directory, taken last first (depth first, a
// short queue), or spread over directories when many workers wait on network storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace dskit {

// Not thread-safe: the walker holds its mutex around every call.
template <class Task>
class TaskQueue {
 public:
  // How many of the most recent groups take() looks through when spreading.
  static constexpr std::size_t kSpreadGroups = 64;

  // Queues `tasks` (moved out; left empty) as one group: tasks that look up names in the same directory.
  void push(std::vector<Task>& tasks) {
    if (!tasks.empty()) groups_.push_back(std::move(tasks));
    tasks.clear();
  }
  void push(Task t) { groups_.emplace_back().push_back(std::move(t)); }

  bool empty() const { return groups_.empty(); }

  // The next task (the queue must not be empty): the last one queued, unless `spread` and the last group's
  // directory is busy (`busy(task)`, the workers looking up names in its directory, is not 0): then the
  // last task of the most recent group among the last kSpreadGroups whose directory is least busy. A FUSE
  // server without parallel directory operations (libfuse's default) gets one LOOKUP at a time per
  // directory, the kernel holding the parent's lock across it: workers piled on one directory's children
  // wait in line while the other directories' children wait in the queue.
  template <class Busy>
  Task take(bool spread, Busy&& busy) {
    std::size_t g = groups_.size() - 1;
    if (spread) {
      uint32_t best = busy(groups_[g].back());
      const std::size_t low = g > kSpreadGroups ? g - kSpreadGroups : 0;
      for (std::size_t i = g; best > 0 && i-- > low;) {
        if (const uint32_t n = busy(groups_[i].back()); n < best) {
          best = n;
          g = i;
        }
      }
    }
    auto& tasks = groups_[g];
    Task t = std::move(tasks.back());
    tasks.pop_back();
    if (tasks.empty()) groups_.erase(groups_.begin() + static_cast<std::ptrdiff_t>(g));
    return t;
  }

 private:
  std::vector<std::vector<Task>> groups_;
};

}  // namespace dskit
