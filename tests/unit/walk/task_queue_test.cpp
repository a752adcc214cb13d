#include "dskit/walk/task_queue.h"

#include <doctest/doctest.h>

#include <map>
#include <vector>

using dskit::TaskQueue;

namespace {

struct T {
  int dir;  // the directory the task looks up names in
  int n;
};

std::vector<T> group(int dir, int first, int count) {
  std::vector<T> g;
  for (int i = 0; i < count; ++i) g.push_back({dir, first + i});
  return g;
}

}  // namespace

TEST_CASE("TaskQueue: last in, first out, whatever the directories' load, when not spreading") {
  TaskQueue<T> q;
  auto a = group(1, 0, 3);
  auto b = group(2, 3, 2);
  q.push(a);
  CHECK(a.empty());
  q.push(b);
  q.push(T{3, 5});
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.take(false, [](const T&) { return 7u; }).n);
  CHECK(order == std::vector<int>{5, 4, 3, 2, 1, 0});
}

TEST_CASE("TaskQueue: spreading takes from the most recent directory no worker looks up names in") {
  // Ten directories of 100 subdirectories each, as a walk queues them after reading a root of ten; each
  // task taken stays in flight (its directory busy) until the workers are all busy.
  TaskQueue<T> q;
  for (int d = 0; d < 10; ++d) {
    auto g = group(d, d * 100, 100);
    q.push(g);
  }
  std::map<int, unsigned> busy;
  std::vector<int> dirs;
  for (int w = 0; w < 10; ++w) {
    const T t = q.take(true, [&](const T& x) { return busy[x.dir]; });
    ++busy[t.dir];
    dirs.push_back(t.dir);
  }
  // One task from each directory, newest first, each the last of its group (depth first within it).
  CHECK(dirs == std::vector<int>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  // All busy once: the newest group again, as without spreading.
  const T next = q.take(true, [&](const T& x) { return busy[x.dir]; });
  CHECK(next.dir == 9);
  CHECK(next.n == 998);
  // A directory whose lookups ended is preferred again.
  ++busy[9];
  busy[4] = 0;
  CHECK(q.take(true, [&](const T& x) { return busy[x.dir]; }).dir == 4);
}

TEST_CASE("TaskQueue: spreading looks only through the last kSpreadGroups groups") {
  TaskQueue<T> q;
  const int groups = static_cast<int>(TaskQueue<T>::kSpreadGroups) + 5;
  for (int d = 0; d < groups; ++d) {
    auto g = group(d, d, 1);
    q.push(g);
  }
  // Every directory busy but the oldest, out of reach: the newest is taken.
  auto busy = [](const T& x) { return x.dir == 0 ? 0u : 1u; };
  CHECK(q.take(true, busy).dir == groups - 1);
  // Every directory busy, the least busy in reach wins.
  auto graded = [&](const T& x) { return x.dir == groups - 10 ? 1u : 3u; };
  CHECK(q.take(true, graded).dir == groups - 10);
  std::size_t left = 0;
  while (!q.empty()) {
    q.take(true, busy);
    ++left;
  }
  CHECK(left == static_cast<std::size_t>(groups - 2));
}
