// diff, stats and convert over small in-memory manifests.
#include <doctest/doctest.h>

#include <string>

#include "dskit/manifest/convert.h"
#include "dskit/manifest/diff.h"
#include "dskit/manifest/manifest.h"
#include "dskit/manifest/stats.h"

using namespace dskit;

namespace {

Manifest parse_text(const std::string& rows, const std::string& hash = "xxh3-64") {
  const std::string col = hash == "none" ? "" : "\t" + std::string(hash_column(*parse_hash_name(hash)));
  Manifest m;
  auto err = parse_manifest(
      "#dskit-manifest v1\troot=/r\thash=" + hash + "\npath\tsize\tmtime_ns" + col + "\tlabel\n" + rows, "t",
      {}, m);
  REQUIRE_FALSE(err);
  return m;
}

}  // namespace

TEST_CASE("diff: added, removed, modified, renamed, relabeled") {
  const Manifest a = parse_text(
      "keep\t1\t1\t0000000000000001\tx\n"
      "mod\t1\t1\t0000000000000002\tx\n"
      "gone\t1\t1\t0000000000000003\tx\n"
      "old/name\t1\t1\t0000000000000004\tx\n"
      "relabel\t1\t1\t0000000000000005\tx\n");
  const Manifest b = parse_text(
      "keep\t1\t1\t0000000000000001\tx\n"
      "mod\t1\t2\t00000000000000ff\tx\n"
      "new/name\t1\t1\t0000000000000004\tx\n"
      "relabel\t1\t1\t0000000000000005\ty\n"
      "fresh\t1\t1\t0000000000000006\tx\n");
  const DiffResult d = diff_manifests(a, b);
  CHECK(d.by_hash);
  CHECK(d.added == 1);
  CHECK(d.removed == 1);
  CHECK(d.modified == 1);
  CHECK(d.renamed == 1);
  CHECK(d.relabeled == 1);
  bool found = false;
  for (const auto& e : d.entries)
    if (e.kind == DiffEntry::Kind::renamed) {
      CHECK(e.old_path == "old/name");
      CHECK(e.path == "new/name");
      found = true;
    }
  CHECK(found);
  CHECK(diff_manifests(a, a).identical());
  // Without a common hash: size and mtime, no renames.
  const Manifest n = parse_text("keep\t1\t1\tx\nmod\t1\t2\tx\n", "none");
  const DiffResult d2 = diff_manifests(a, n);
  CHECK_FALSE(d2.by_hash);
  CHECK(d2.renamed == 0);
  CHECK(d2.modified == 1);
  CHECK(d2.removed == 3);
}

TEST_CASE("stats: percentiles, labels, duplicates") {
  const Manifest m = parse_text(
      "a\t10\t1\t00000000000000aa\tcat\n"
      "b\t20\t1\t00000000000000aa\tcat\n"
      "c\t30\t1\t00000000000000aa\tdog\n"
      "d\t40\t1\t00000000000000bb\t\n");
  const ManifestStats s = manifest_stats(m);
  CHECK(s.entries == 4);
  CHECK(s.bytes == 100);
  CHECK(s.size_percentiles.front().second == 10);
  CHECK(s.size_percentiles.back().second == 40);
  CHECK(s.size_percentiles[3] == std::pair<int, uint64_t>{50, 20});
  REQUIRE(s.labels.size() == 3);
  CHECK(s.labels[0] == std::pair<std::string, uint64_t>{"", 1});
  CHECK(s.labels[1] == std::pair<std::string, uint64_t>{"cat", 2});
  REQUIRE(s.duplicates.size() == 1);
  CHECK(s.duplicates[0].paths == std::vector<std::string>{"a", "b", "c"});
  CHECK(s.duplicate_files == 2);
  CHECK(s.duplicate_bytes == 20);
  const ManifestStats e = manifest_stats(parse_text(""));
  CHECK(e.entries == 0);
  CHECK(e.size_percentiles.empty());
}

TEST_CASE("convert: jsonl, paths0, xxhsum formats") {
  const Manifest m = parse_text(
      "a b\\\\c\t1\t2\t0123456789abcdef\tl\n"
      "n\\nl\t1\t2\t0123456789abcdef\tl\n"
      "x\\xff\t1\t2\t\tl\n");
  std::string out;
  uint64_t skipped = 0;
  to_xxhsum(m, out, skipped);
  CHECK(out == "XXH3 (a b\\c) = 0123456789abcdef\n");
  CHECK(skipped == 2);
  out.clear();
  to_paths0(m, false, out);
  CHECK(out == std::string("/r/a b\\c\0/r/n\nl\0/r/x\xff\0", 22));
  out.clear();
  to_jsonl(m, out);
  CHECK(out.find("{\"path\":\"a "
                 "b\\\\c\",\"size\":1,\"mtime_ns\":2,\"xxh3_64\":\"0123456789abcdef\",\"label\":\"l\"}\n") ==
        0);
  CHECK(out.find("\"path_b64\":\"eP8=\"") != std::string::npos);
  const Manifest w = parse_text("p\t1\t2\t0123456789abcdef0123456789abcdef\t\n", "xxh3-128");
  out.clear();
  to_xxhsum(w, out, skipped);
  CHECK(out == "0123456789abcdef0123456789abcdef  p\n");
}
