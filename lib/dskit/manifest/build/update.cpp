// dsmanifest update: rescan the root, keep the rows whose size, mtime and inode are as recorded, re-hash
// the others, add new files (labelled as build would), drop vanished ones.
#include <thread>

#include "dskit/manifest/build/build.h"
#include "dskit/manifest/build/parts.h"

namespace dskit {

using namespace build_detail;

namespace {

UpdateResult update_with_scan(const Manifest& old, ScanResult s, const Selection& sel,
                              const UpdateOptions& opts, BuildProgress* progress);

}  // namespace

UpdateResult update_manifest(const Manifest& old, const UpdateOptions& opts, BuildProgress* progress) {
  Selection sel;
  if (auto err = read_selection(old, sel)) {
    UpdateResult r;
    r.setup_error = *err;
    return r;
  }
  return update_with_scan(old, scan_tree(old.root, sel, opts.threads, progress, true, opts.skip_files), sel,
                          opts, progress);
}

UpdateResult update_manifest_file(const std::string& file, const LoadOptions& lo, const UpdateOptions& opts,
                                  BuildProgress* progress, std::optional<ManifestError>& load_error) {
  UpdateResult r;
  std::string text;
  if ((load_error = read_manifest_text(file, text))) return r;
  // The metadata and header lines alone tell the root and the selection.
  std::size_t head_end = text.find('\n');
  if (head_end != std::string::npos) head_end = text.find('\n', head_end + 1);
  Manifest head;
  if ((load_error = parse_manifest(text.substr(0, head_end == std::string::npos ? text.size() : head_end + 1),
                                   file, lo, head)))
    return r;
  Selection sel;
  if (auto err = read_selection(head, sel)) {
    r.setup_error = *err;
    return r;
  }
  ScanResult scan;
  std::thread walker(
      [&] { scan = scan_tree(head.root, sel, opts.threads, progress, true, opts.skip_files); });
  Manifest old;
  load_error = parse_manifest(std::move(text), file, lo, old);
  walker.join();
  if (load_error) return r;
  return update_with_scan(old, std::move(scan), sel, opts, progress);
}

namespace {

UpdateResult update_with_scan(const Manifest& old, ScanResult s, const Selection& sel,
                              const UpdateOptions& opts, BuildProgress* progress) {
  UpdateResult r;
  std::unique_ptr<Labeler> labeler;
  if (auto err = Labeler::create(sel.labels, labeler)) {
    r.setup_error = *err;
    return r;
  }
  const std::string& root = old.root;
  const unsigned threads = opts.threads;
  r.setup_error = std::move(s.setup_error);
  if (!r.setup_error.empty()) return r;
  r.errors = std::move(s.errors);
  r.root_failed = s.root_failed;
  if (r.root_failed) return r;

  const bool hashing = old.hash != HashAlgo::none && old.hash_col() >= 0;
  const std::vector<std::ptrdiff_t> prev = match_rows(s.files, old);  // the old row of each file, or -1
  std::vector<std::size_t> to_hash;
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const FileRecord& f = s.files[i];
    bool same = false;
    if (prev[i] >= 0) {
      const auto o = static_cast<std::size_t>(prev[i]);
      same = old.file_size(o) == f.st.size && old.mtime_ns(o) == f.st.mtime_ns &&
             (old.ino_col() < 0 || old.ino(o) == f.st.ino) && (!hashing || !old.hash_hex(o).empty());
    }
    if (!same && hashing) to_hash.push_back(i);
    if (same) ++r.unchanged;
  }
  if (opts.skip_if_identical && r.errors.empty() && r.unchanged == old.size() &&
      s.files.size() == old.size()) {
    bool aligned = true;
    for (std::size_t i = 0; i < prev.size() && aligned; ++i)
      aligned = prev[i] == static_cast<std::ptrdiff_t>(i);
    if (aligned) {
      r.identical = true;
      return r;
    }
  }
  std::vector<HashOut> hashes;
  if (opts.before_hash) opts.before_hash();
  if (hashing)
    hash_files(root, s.files, to_hash, old.hash, hash_threads(root, threads), sel.follow, hashes, progress);
  std::vector<std::ptrdiff_t> hash_slot(s.files.size(), -1);
  for (std::size_t k = 0; k < to_hash.size(); ++k) hash_slot[to_hash[k]] = static_cast<std::ptrdiff_t>(k);

  // The result keeps the old columns and metadata; rows are rebuilt in path order.
  Manifest& m = r.manifest;
  m.root = old.root;
  m.hash = old.hash;
  m.extra_meta = old.extra_meta;
  for (const auto& c : old.column_names()) m.add_column(c);
  m.reserve(s.files.size(), s.files.size() * 96);
  std::string raw;
  std::vector<bool> seen(old.size(), false);
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    const FileRecord& f = s.files[i];
    const std::ptrdiff_t slot = hash_slot[i];
    if (slot >= 0 && hashes[static_cast<std::size_t>(slot)].err) {
      const auto& h = hashes[static_cast<std::size_t>(slot)];
      r.errors.push_back(hash_error(root, f.rel, h));
      continue;
    }
    const std::size_t row = m.add_row();
    if (prev[i] >= 0) {
      const auto o = static_cast<std::size_t>(prev[i]);
      seen[o] = true;
      for (std::size_t c = 0; c < m.num_columns(); ++c) {
        const int ci = static_cast<int>(c);
        if (ci == m.path_col() || ci == m.size_col() || ci == m.mtime_col() || ci == m.ino_col() ||
            (slot >= 0 && ci == m.hash_col()))
          continue;  // written below
        m.set_cell(row, c, old.cell(o, c));
      }
    } else {
      ++r.added;
      if (m.label_col() >= 0) {
        unescape_field(f.rel, raw);
        m.set_cell_raw(row, static_cast<std::size_t>(m.label_col()), labeler->label(raw));
      }
    }
    fill_row(m, row, f);
    if (slot >= 0) {
      const std::string& hex = hashes[static_cast<std::size_t>(slot)].hex;
      r.bytes_hashed += f.st.size;
      if (prev[i] >= 0) {
        ++r.rehashed;
        const auto o = static_cast<std::size_t>(prev[i]);
        if (old.hash_hex(o) != hex || old.file_size(o) != f.st.size) ++r.modified;
      }
      m.set_cell(row, static_cast<std::size_t>(m.hash_col()), hex);
    } else if (!hashing && prev[i] >= 0) {
      const auto o = static_cast<std::size_t>(prev[i]);
      if (old.file_size(o) != f.st.size || old.mtime_ns(o) != f.st.mtime_ns) ++r.modified;
    }
  }
  for (std::size_t o = 0; o < old.size(); ++o)
    if (!seen[o]) ++r.removed;
  // Identical when every row is the old row at the same position with the same cells.
  r.identical = r.added == 0 && r.removed == 0 && m.size() == old.size() && r.errors.empty();
  for (std::size_t i = 0; r.identical && i < m.size(); ++i) {
    if (prev[i] != static_cast<std::ptrdiff_t>(i)) r.identical = false;
    for (std::size_t c = 0; r.identical && c < m.num_columns(); ++c)
      if (m.cell(i, c) != old.cell(i, c)) r.identical = false;
  }
  return r;
}

}  // namespace
}  // namespace dskit
