#include "dskit/walk/walk.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "temp_tree.h"

using namespace dskit;
using dskit::test::TempTree;

// Code with our own threads: the TSan job runs this suite (oneTBB is not TSan-instrumented).
TEST_SUITE_BEGIN("parallel");

namespace {

// Records everything the walker reports.
struct Recorder : WalkVisitor {
  std::mutex mu;
  std::vector<std::string> paths;
  std::vector<std::pair<std::string, FileType>> typed;
  std::vector<PathError> errors;
  std::vector<bool> root_errors;
  std::vector<std::string> gone;
  std::function<Action(const Entry&)> decide;

  Action on_entry(const Entry& e, unsigned worker) override {
    CHECK(e.path.size() > e.rel.size());
    CHECK(e.path.substr(e.path.size() - e.rel.size()) == e.rel);
    if (e.depth > 0) CHECK(e.rel.substr(e.rel.size() - e.name.size()) == e.name);
    Action a = decide ? decide(e) : Action::proceed;
    std::lock_guard lk(mu);
    (void)worker;
    paths.emplace_back(e.path);
    typed.emplace_back(std::string(e.rel), e.type);
    return a;
  }
  void on_error(const PathError& err, bool root, unsigned) override {
    std::lock_guard lk(mu);
    errors.push_back(err);
    root_errors.push_back(root);
  }
  void on_vanished(std::string_view path, unsigned) override {
    std::lock_guard lk(mu);
    gone.emplace_back(path);
  }
  std::vector<std::string> sorted() const {
    auto v = paths;
    std::sort(v.begin(), v.end());
    return v;
  }
};

void make_sample(const TempTree& t) {
  for (int c = 0; c < 5; ++c)
    for (int i = 0; i < 40; ++i) t.file("cls" + std::to_string(c) + "/img" + std::to_string(i) + ".jpg", "x");
  t.file("deep/a/b/c/d/e/f/leaf.txt", "leaf");
  t.dir("empty");
  t.file(".hidden/secret");
  t.symlink("cls0", "link_to_dir");
  t.symlink("missing", "dangling");
}

}  // namespace

TEST_CASE("walk lists every entry once, for any thread count") {
  TempTree t;
  make_sample(t);
  std::set<std::string> expected;
  for (const auto& e : std::filesystem::recursive_directory_iterator(t.root()))
    expected.insert(e.path().string());
  for (unsigned threads : {1u, 2u, 3u, 8u, 64u}) {
    Recorder r;
    WalkOptions o;
    o.threads = threads;
    const WalkStats s = walk({t.root()}, o, r);
    CHECK(s.threads == threads);
    CHECK(r.errors.empty());
    const auto got = r.sorted();
    CHECK(std::set<std::string>(got.begin(), got.end()) == expected);
    CHECK(got.size() == expected.size());  // no duplicates
    CHECK(s.entries == expected.size());
  }
}

TEST_CASE("types come from d_type or stat, symlinks are not followed by default") {
  TempTree t;
  make_sample(t);
  for (bool need_stat : {false, true}) {
    Recorder r;
    WalkOptions o;
    o.threads = 2;
    o.need_stat = need_stat;
    walk({t.root()}, o, r);
    std::map<std::string, FileType> m(r.typed.begin(), r.typed.end());
    CHECK(m["cls0"] == FileType::dir);
    CHECK(m["cls0/img1.jpg"] == FileType::file);
    CHECK(m["link_to_dir"] == FileType::symlink);
    CHECK(m["dangling"] == FileType::symlink);
    CHECK(m.count("link_to_dir/img1.jpg") == 0);
  }
}

TEST_CASE("stat data is filled when asked") {
  TempTree t;
  t.file("a/b.bin", std::string(1234, 'z'));
  struct Sizes : WalkVisitor {
    std::mutex mu;
    std::map<std::string, StatInfo> st;
    Action on_entry(const Entry& e, unsigned) override {
      REQUIRE(e.has_stat);
      std::lock_guard lk(mu);
      st[std::string(e.rel)] = e.st;
      return Action::proceed;
    }
    void on_error(const PathError&, bool, unsigned) override { FAIL("unexpected error"); }
  } v;
  WalkOptions o;
  o.need_stat = true;
  walk({t.root()}, o, v);
  CHECK(v.st["a/b.bin"].size == 1234);
  CHECK(v.st["a/b.bin"].mtime_ns > 0);
  CHECK(v.st["a/b.bin"].nlink == 1);
}

TEST_CASE("follow descends links and reports loops") {
  TempTree t;
  t.file("real/x");
  t.symlink("real", "alias");
  t.symlink("..", "real/up");  // a loop back to the root
  Recorder r;
  WalkOptions o;
  o.threads = 4;
  o.follow = true;
  walk({t.root()}, o, r);
  const auto got = r.sorted();
  CHECK(std::count(got.begin(), got.end(), t.path("alias/x")) == 1);
  REQUIRE(!r.errors.empty());
  for (const auto& e : r.errors) CHECK(e.op == "loop");
}

TEST_CASE("max depth, skip, and prune") {
  TempTree t;
  make_sample(t);
  {
    Recorder r;
    WalkOptions o;
    o.max_depth = 1;
    walk({t.root()}, o, r);
    for (const auto& [rel, type] : r.typed) CHECK(rel.find('/') == std::string::npos);
    CHECK(r.paths.size() == 10);  // cls0..4, deep, empty, .hidden, link_to_dir, dangling
  }
  {
    Recorder r;
    r.decide = [](const Entry& e) { return e.name == "deep" ? Action::skip : Action::proceed; };
    walk({t.root()}, WalkOptions{}, r);
    for (const auto& [rel, type] : r.typed) CHECK(rel.rfind("deep/", 0) != 0);
  }
  {
    Recorder r;
    WalkOptions o;
    o.prune = [](std::string_view, std::string_view name, FileType) { return name.starts_with("cls"); };
    walk({t.root()}, o, r);
    for (const auto& [rel, type] : r.typed) CHECK(rel.rfind("cls", 0) != 0);
  }
}

TEST_CASE("stop ends the walk early") {
  TempTree t;
  make_sample(t);
  Recorder r;
  r.decide = [](const Entry&) { return Action::stop; };
  WalkOptions o;
  o.threads = 1;
  const WalkStats s = walk({t.root()}, o, r);
  CHECK(s.stopped);
  CHECK(r.paths.size() == 1);
}

TEST_CASE("a missing root is a root error; a file root yields nothing") {
  TempTree t;
  t.file("plain");
  Recorder r;
  const WalkStats s = walk({t.path("nope"), t.path("plain")}, WalkOptions{}, r);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.root_errors[0]);
  CHECK(r.errors[0].err == ENOENT);
  CHECK(r.paths.empty());
  CHECK(s.errors == 1);
}

TEST_CASE("entries deleted during the walk are reported as vanished, not errors") {
  TempTree t;
  for (int i = 0; i < 20; ++i) t.file("d/f" + std::to_string(i));
  Recorder r;
  bool first = true;
  r.decide = [&](const Entry& e) {
    if (e.depth == 2 && first) {
      first = false;
      for (int i = 0; i < 20; ++i)
        if (e.name != "f" + std::to_string(i)) ::unlink(t.path("d/f" + std::to_string(i)).c_str());
    }
    return Action::proceed;
  };
  WalkOptions o;
  o.threads = 1;
  o.need_stat = true;  // names are listed first, stat'ed after: the deleted ones vanish in between
  const WalkStats s = walk({t.root()}, o, r);
  CHECK(r.errors.empty());
  CHECK(r.gone.size() == 19);
  CHECK(s.vanished == 19);
}

TEST_CASE("root paths are printed as given") {
  TempTree t;
  t.file("a/b");
  const std::vector<std::string> roots = {t.root(), t.root() + "/", t.root() + "/a/.."};
  for (const std::string& root : roots) {
    Recorder r;
    walk({root}, WalkOptions{}, r);
    const auto got = r.sorted();
    std::string prefix = root;
    if (prefix.back() != '/') prefix.push_back('/');
    REQUIRE(got.size() == 2);
    CHECK(got[0] == prefix + "a");
    CHECK(got[1] == prefix + "a/b");
  }
}

TEST_CASE("max depth 0 lists nothing; include_roots visits the roots at depth 0") {
  TempTree t;
  t.file("a/b");
  t.file("plain");
  {
    Recorder r;
    WalkOptions o;
    o.max_depth = 0;
    walk({t.root()}, o, r);
    CHECK(r.paths.empty());
  }
  {
    Recorder r;
    WalkOptions o;
    o.include_roots = true;
    o.max_depth = 1;
    walk({t.root(), t.path("plain")}, o, r);
    const auto got = r.sorted();
    REQUIRE(got.size() == 4);
    CHECK(got[0] == t.root());
    CHECK(got[3] == t.path("plain"));
  }
}

TEST_CASE("following a symlink loop is an ELOOP error; a dangling link stays a link") {
  TempTree t;
  t.symlink("self", "self");
  t.symlink("nowhere", "dangling");
  Recorder r;
  WalkOptions o;
  o.follow = true;
  walk({t.root()}, o, r);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].err == ELOOP);
  CHECK(r.errors[0].path == t.path("self"));
  REQUIRE(r.typed.size() == 1);
  CHECK(r.typed[0].second == FileType::symlink);
}

TEST_SUITE_END();

TEST_CASE("few file descriptors: workers wait for a directory to close instead of losing subtrees") {
  TempTree t;
  for (int d = 0; d < 20; ++d)
    for (int e = 0; e < 10; ++e) t.file("d" + std::to_string(d) + "/e" + std::to_string(e) + "/g/f", "x");
  std::set<std::string> expected;
  for (const auto& e : std::filesystem::recursive_directory_iterator(t.root()))
    expected.insert(e.path().string());
  // Room for 6 more descriptors than are open now: 8 workers cannot all hold a directory at once.
  int open_now = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++open_now;
  }
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
  struct rlimit low = old;
  low.rlim_cur = static_cast<rlim_t>(open_now + 6);
  for (int run = 0; run < 3; ++run) {
    Recorder r;
    WalkOptions o;
    o.threads = 8;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    walk({t.root()}, o, r);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &old) == 0);
    CHECK(r.errors.empty());
    const auto got = r.sorted();
    CHECK(std::set<std::string>(got.begin(), got.end()) == expected);
  }
}
