// dsmanifest build in one process: scan, hash every file, assemble the manifest in path order.
#include "dskit/manifest/build/build.h"

#include <numeric>

#include "dskit/hash/hash.h"
#include "dskit/manifest/build/parts.h"

namespace dskit {

using namespace build_detail;

void build_detail::assemble_build(const std::string& root, const BuildOptions& opts, const Labeler& labeler,
                                  const std::vector<FileRecord>& files, const std::vector<HashOut>& hashes,
                                  BuildResult& r) {
  Manifest& m = r.manifest;
  m = make_manifest(root, opts.hash, labeler.enabled());
  LabelOptions rec = opts.sel.labels;
  if (rec.mode == LabelOptions::Mode::csv) rec.csv_file = absolute_dir(rec.csv_file);
  Selection sel = opts.sel;
  sel.labels = rec;
  record_selection(sel, m);
  m.reserve(files.size(), files.size() * 96);
  std::string raw;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const FileRecord& f = files[i];
    if (!hashes.empty() && hashes[i].err) {
      r.errors.push_back(hash_error(root, f.rel, hashes[i]));
      continue;
    }
    const std::size_t row = m.add_row();
    fill_row(m, row, f);
    if (m.hash_col() >= 0) {
      m.set_cell(row, static_cast<std::size_t>(m.hash_col()), hashes[i].hex);
      r.bytes_hashed += f.st.size;
    }
    if (m.label_col() >= 0) {
      unescape_field(f.rel, raw);
      m.set_cell_raw(row, static_cast<std::size_t>(m.label_col()), labeler.label(raw));
    }
  }
}

BuildResult build_manifest(const std::string& dir, const BuildOptions& opts, BuildProgress* progress) {
  BuildResult r;
  std::unique_ptr<Labeler> labeler;
  if (auto err = Labeler::create(opts.sel.labels, labeler)) {
    r.setup_error = *err;
    return r;
  }
  const std::string root = absolute_dir(dir);
  // When hashing, the stat data comes from fstat on the open file (consistent with what was hashed), so
  // the walk needs only names and d_type.
  ScanResult s =
      scan_tree(root, opts.sel, opts.threads, progress, opts.hash == HashAlgo::none, opts.skip_files);
  r.setup_error = std::move(s.setup_error);
  if (!r.setup_error.empty()) return r;
  r.walk = s.walk;
  r.errors = std::move(s.errors);
  r.root_failed = s.root_failed;
  if (r.root_failed) return r;

  std::vector<std::size_t> all(s.files.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (opts.before_hash) opts.before_hash();
  std::vector<HashOut> hashes;
  if (opts.hash != HashAlgo::none) {
    r.hash_threads = hash_threads(root, opts.threads);
    hash_files(root, s.files, all, opts.hash, r.hash_threads, opts.sel.follow, hashes, progress);
  }

  assemble_build(root, opts, *labeler, s.files, hashes, r);
  return r;
}
}  // namespace dskit
