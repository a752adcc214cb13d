// dsmanifest verify: rescan the root and compare it with the manifest (missing, changed, new files), by
// size and mtime or, with --full, by re-hashing every file.
#include <algorithm>
#include <cerrno>
#include <string_view>
#include <unordered_map>

#include "dskit/base/enum_names.h"
#include "dskit/manifest/build/build.h"
#include "dskit/manifest/build/parts.h"

namespace dskit {

using namespace build_detail;

constexpr EnumName<VerifyIssue::Kind> kVerifyKinds[] = {{VerifyIssue::Kind::missing, "missing"},
                                                        {VerifyIssue::Kind::changed, "changed"},
                                                        {VerifyIssue::Kind::added, "new"},
                                                        {VerifyIssue::Kind::unreadable, "unreadable"}};

const char* kind_name(VerifyIssue::Kind k) {
  return enum_name(kVerifyKinds, k).data();  // the table's literals end with a NUL
}

VerifyResult verify_manifest(const Manifest& m, const VerifyOptions& opts, BuildProgress* progress) {
  VerifyResult r;
  Selection sel;
  if (auto err = read_selection(m, sel)) {
    r.setup_error = *err;
    return r;
  }
  ScanResult s = scan_tree(m.root, sel, opts.threads, progress, true, opts.skip_files);
  r.setup_error = std::move(s.setup_error);
  if (!r.setup_error.empty()) return r;
  r.errors = std::move(s.errors);
  r.root_failed = s.root_failed;
  if (r.root_failed) return r;

  // The file of each manifest row, or -1.
  std::vector<std::ptrdiff_t> file_of(m.size(), -1);
  {
    const std::vector<std::ptrdiff_t> rows = match_rows(s.files, m);
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i] >= 0) file_of[static_cast<std::size_t>(rows[i])] = static_cast<std::ptrdiff_t>(i);
  }
  // A path listed more than once (e.g. the padding rows of `shard --pad`) is checked against the same file.
  if (std::find(file_of.begin(), file_of.end(), -1) != file_of.end()) {
    std::unordered_map<std::string_view, std::ptrdiff_t> matched;
    for (std::size_t row = 0; row < m.size(); ++row)
      if (file_of[row] >= 0) matched.emplace(m.path_escaped(row), file_of[row]);
    for (std::size_t row = 0; row < m.size(); ++row)
      if (file_of[row] < 0)
        if (auto it = matched.find(m.path_escaped(row)); it != matched.end()) file_of[row] = it->second;
  }
  std::vector<bool> listed(s.files.size(), false);
  std::vector<std::size_t> to_hash;   // file indexes
  std::vector<std::size_t> hash_row;  // the manifest row of each
  const bool full = opts.full && m.hash_col() >= 0;
  for (std::size_t row = 0; row < m.size(); ++row) {
    ++r.checked;
    const std::string_view p = m.path_escaped(row);
    if (file_of[row] < 0) {
      r.issues.push_back({VerifyIssue::Kind::missing, std::string(p), ""});
      continue;
    }
    const auto fi = static_cast<std::size_t>(file_of[row]);
    listed[fi] = true;
    const FileRecord& f = s.files[fi];
    std::string detail;
    if (m.size_col() >= 0 && m.file_size(row) != f.st.size)
      detail = "size " + std::to_string(m.file_size(row)) + " != " + std::to_string(f.st.size);
    else if (!full && m.mtime_col() >= 0 && m.mtime_ns(row) != f.st.mtime_ns)
      detail = "mtime";
    if (!detail.empty()) {
      r.issues.push_back({VerifyIssue::Kind::changed, std::string(p), detail});
      continue;
    }
    if (full) {
      to_hash.push_back(fi);
      hash_row.push_back(row);
    }
  }
  for (std::size_t i = 0; i < s.files.size(); ++i)
    if (!listed[i]) r.issues.push_back({VerifyIssue::Kind::added, std::string(s.files[i].rel), ""});
  if (full) {
    std::vector<HashOut> hashes;
    if (opts.before_hash) opts.before_hash();
    hash_files(m.root, s.files, to_hash, m.hash, hash_threads(m.root, opts.threads), sel.follow, hashes,
               progress);
    for (std::size_t k = 0; k < to_hash.size(); ++k) {
      const std::size_t row = hash_row[k];
      const std::string_view p = m.path_escaped(row);
      // Gone since the walk: as missing as a file the walk did not find.
      if (hashes[k].err == ENOENT && hashes[k].op == std::string_view("open")) {
        r.issues.push_back({VerifyIssue::Kind::missing, std::string(p), ""});
        continue;
      }
      if (hashes[k].err) {
        r.issues.push_back(
            {VerifyIssue::Kind::unreadable, std::string(p), describe(hash_error(m.root, p, hashes[k]))});
        continue;
      }
      r.bytes_hashed += s.files[to_hash[k]].st.size;
      if (hashes[k].hex != m.hash_hex(row))
        r.issues.push_back({VerifyIssue::Kind::changed, std::string(p), "content"});
    }
  }
  std::stable_sort(r.issues.begin(), r.issues.end(),
                   [](const VerifyIssue& a, const VerifyIssue& b) { return a.path < b.path; });
  for (const auto& i : r.issues) {
    switch (i.kind) {
      case VerifyIssue::Kind::missing:
        ++r.missing;
        break;
      case VerifyIssue::Kind::changed:
        ++r.changed;
        break;
      case VerifyIssue::Kind::added:
        ++r.added;
        break;
      case VerifyIssue::Kind::unreadable:
        ++r.unreadable;
        break;
    }
  }
  return r;
}

}  // namespace dskit
