#include "dskit/walk/listing.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <sstream>

#include "temp_tree.h"

using namespace dskit;
using dskit::test::TempTree;

// Code with our own threads: the TSan job runs this suite (oneTBB is not TSan-instrumented).
TEST_SUITE_BEGIN("parallel");

namespace {

// Runs a listing into a temporary file and returns what was written.
std::string list(const std::vector<std::string>& roots, const ListOptions& o, ListResult* result = nullptr,
                 std::vector<PathError>* errors = nullptr) {
  char name[] = "/tmp/dskit-listing.XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  ::unlink(name);
  OutputSink sink(fd);
  ListResult r = run_listing(roots, o, sink, [&](const PathError& e, bool) {
    if (errors) errors->push_back(e);
  });
  if (result) *result = r;
  std::string out;
  char buf[65536];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("sorted output is byte-ordered and identical for any thread count") {
  TempTree t;
  for (int c = 0; c < 6; ++c)
    for (int i = 0; i < 50; ++i) t.file("c" + std::to_string(c) + "/f" + std::to_string(i));
  t.file("a-b/x");
  t.file("a/b");
  ListOptions o;
  o.sort = true;
  o.walk.threads = 1;
  const std::string one = list({t.root()}, o);
  std::vector<std::string> lines;
  std::istringstream in(one);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  CHECK(lines.size() == 6 + 300 + 4);
  CHECK(std::is_sorted(lines.begin(), lines.end()));
  CHECK(lines[0] == t.path("a"));
  CHECK(lines[1] == t.path("a-b"));  // '-' sorts before '/'
  for (unsigned threads : {2u, 7u, 32u}) {
    o.walk.threads = threads;
    CHECK(list({t.root()}, o) == one);
  }
}

TEST_CASE("long format and NUL terminators") {
  TempTree t;
  t.file("f", "hello");
  ListOptions o;
  o.format = ListFormat::long_format;
  o.terminator = '\0';
  const std::string out = list({t.root()}, o);
  CHECK(out.starts_with("5\t"));
  CHECK(out.find("Z\t" + t.path("f") + std::string(1, '\0')) != std::string::npos);
}

TEST_CASE("json records carry path_b64 for names that are not UTF-8") {
  TempTree t;
  t.file("bad\xFFname");
  ListOptions o;
  o.format = ListFormat::json;
  const std::string out = list({t.root()}, o);
  CHECK(out.find("\"path_b64\":") != std::string::npos);
  CHECK(out.find("\"type\":\"f\"") != std::string::npos);
  CHECK(out.find("\xEF\xBF\xBDname") != std::string::npos);
}

TEST_CASE("summary groups by class folder and counts hard links once") {
  TempTree t;
  t.file("cat/1", std::string(100, 'a'));
  t.file("cat/sub/2", std::string(10, 'b'));
  t.file("dog/1", std::string(7, 'c'));
  REQUIRE(::link(t.path("dog/1").c_str(), t.path("dog/again").c_str()) == 0);
  t.dir("empty");
  t.file("README", "abc");
  ListOptions o;
  o.summary_depth = 1;
  const std::string out = list({t.root()}, o);
  const std::string r = t.root();
  CHECK(out == "1\t3\t3\t" + r + "\n" +            // README; cat, dog, empty
                   "2\t1\t110\t" + r + "/cat\n" +  // 1, sub/2; sub
                   "2\t0\t7\t" + r + "/dog\n" +    // 1 and its hard link, bytes once
                   "0\t0\t0\t" + r + "/empty\n" +  //
                   "5\t4\t120\ttotal\n");
}

TEST_CASE("filters reach the listing; missing roots are flagged") {
  TempTree t;
  t.file("keep.jpg");
  t.file("drop.txt");
  t.file(".git/config");
  ListOptions o;
  o.filter.names = {"*.jpg"};
  o.filter.no_hidden = true;
  ListResult r;
  std::vector<PathError> errors;
  const std::string out = list({t.root(), t.path("missing")}, o, &r, &errors);
  CHECK(out == t.path("keep.jpg") + "\n");
  CHECK(r.matched == 1);
  CHECK(r.root_failed);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == t.path("missing"));
}

TEST_SUITE_END();
