#include "dskit/manifest/diff.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "dskit/base/enum_names.h"

namespace dskit {

constexpr EnumName<DiffEntry::Kind> kDiffKinds[] = {{DiffEntry::Kind::added, "added"},
                                                    {DiffEntry::Kind::removed, "removed"},
                                                    {DiffEntry::Kind::modified, "modified"},
                                                    {DiffEntry::Kind::renamed, "renamed"},
                                                    {DiffEntry::Kind::relabeled, "relabeled"}};

const char* kind_name(DiffEntry::Kind k) {
  return enum_name(kDiffKinds, k).data();
}  // literals: NUL-ended

DiffResult diff_manifests(const Manifest& a, const Manifest& b) {
  DiffResult r;
  r.by_hash = a.hash != HashAlgo::none && a.hash == b.hash && a.hash_col() >= 0 && b.hash_col() >= 0;
  std::unordered_map<std::string_view, std::size_t> in_b;
  in_b.reserve(b.size() * 2);
  for (std::size_t i = 0; i < b.size(); ++i) in_b.emplace(b.path_escaped(i), i);
  std::vector<bool> matched(b.size(), false);
  std::vector<std::size_t> removed, added;
  const bool labels = a.label_col() >= 0 && b.label_col() >= 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string_view p = a.path_escaped(i);
    auto it = in_b.find(p);
    if (it == in_b.end()) {
      removed.push_back(i);
      continue;
    }
    const std::size_t j = it->second;
    matched[j] = true;
    std::string detail;
    if (a.size_col() >= 0 && b.size_col() >= 0 && a.file_size(i) != b.file_size(j))
      detail = "size";
    else if (r.by_hash && a.hash_hex(i) != b.hash_hex(j))
      detail = "content";
    else if (!r.by_hash && a.mtime_col() >= 0 && b.mtime_col() >= 0 && a.mtime_ns(i) != b.mtime_ns(j))
      detail = "mtime";
    if (!detail.empty()) r.entries.push_back({DiffEntry::Kind::modified, std::string(p), "", detail});
    if (labels && a.label_escaped(i) != b.label_escaped(j))
      r.entries.push_back({DiffEntry::Kind::relabeled, std::string(p), "",
                           std::string(a.label_escaped(i)) + " -> " + std::string(b.label_escaped(j))});
  }
  for (std::size_t j = 0; j < b.size(); ++j)
    if (!matched[j]) added.push_back(j);

  // Renames: equal hashes among removed (A) and added (B), paired in path order.
  std::vector<bool> removed_paired(removed.size(), false), added_paired(added.size(), false);
  if (r.by_hash) {
    std::map<std::string_view, std::vector<std::size_t>> by_hash;  // hash -> indexes into `added`
    std::vector<std::size_t> order(added.size());
    for (std::size_t k = 0; k < added.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      return b.path_escaped(added[x]) < b.path_escaped(added[y]);
    });
    for (std::size_t k : order)
      if (!b.hash_hex(added[k]).empty()) by_hash[b.hash_hex(added[k])].push_back(k);
    std::vector<std::size_t> rorder(removed.size());
    for (std::size_t k = 0; k < removed.size(); ++k) rorder[k] = k;
    std::sort(rorder.begin(), rorder.end(), [&](std::size_t x, std::size_t y) {
      return a.path_escaped(removed[x]) < a.path_escaped(removed[y]);
    });
    std::map<std::string_view, std::size_t> used;
    for (std::size_t k : rorder) {
      const std::string_view h = a.hash_hex(removed[k]);
      auto it = by_hash.find(h);
      if (h.empty() || it == by_hash.end()) continue;
      std::size_t& u = used[h];
      if (u >= it->second.size()) continue;
      const std::size_t ak = it->second[u++];
      removed_paired[k] = added_paired[ak] = true;
      r.entries.push_back({DiffEntry::Kind::renamed, std::string(b.path_escaped(added[ak])),
                           std::string(a.path_escaped(removed[k])), ""});
    }
  }
  for (std::size_t k = 0; k < removed.size(); ++k)
    if (!removed_paired[k])
      r.entries.push_back({DiffEntry::Kind::removed, std::string(a.path_escaped(removed[k])), "", ""});
  for (std::size_t k = 0; k < added.size(); ++k)
    if (!added_paired[k])
      r.entries.push_back({DiffEntry::Kind::added, std::string(b.path_escaped(added[k])), "", ""});
  std::stable_sort(r.entries.begin(), r.entries.end(), [](const DiffEntry& x, const DiffEntry& y) {
    if (x.path != y.path) return x.path < y.path;
    return x.kind < y.kind;
  });
  for (const auto& e : r.entries) {
    switch (e.kind) {
      case DiffEntry::Kind::added:
        ++r.added;
        break;
      case DiffEntry::Kind::removed:
        ++r.removed;
        break;
      case DiffEntry::Kind::modified:
        ++r.modified;
        break;
      case DiffEntry::Kind::renamed:
        ++r.renamed;
        break;
      case DiffEntry::Kind::relabeled:
        ++r.relabeled;
        break;
    }
  }
  return r;
}

}  // namespace dskit
