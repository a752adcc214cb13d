#include "dskit/walk/listing.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

#include "dskit/base/json.h"
#include "dskit/base/text.h"

namespace dskit {
namespace {

struct Totals {
  uint64_t files = 0, dirs = 0, bytes = 0;
};

struct HardLink {
  uint64_t dev, ino, size;
  std::string group;
};

struct SortRec {
  uint64_t off;  // into the worker's arena: the path, then the formatted record
  uint32_t path_len;
  uint32_t rec_len;
  unsigned worker;
};

struct alignas(64) WorkerState {
  LineBuffer out;
  std::string arena;  // sort mode
  std::vector<SortRec> recs;
  std::unordered_map<std::string, Totals> groups;  // summary mode
  std::vector<HardLink> links;
  uint64_t matched = 0;
  uint64_t unreported = 0;  // entries not yet added to the progress counter
};

void format_entry(std::string& s, const Entry& e, const ListOptions& o) {
  switch (o.format) {
    case ListFormat::paths:
      s.append(e.path);
      break;
    case ListFormat::long_format:
      append_uint(s, e.st.size);
      s.push_back('\t');
      append_iso8601(s, e.st.mtime_ns);
      s.push_back('\t');
      s.append(e.path);
      break;
    case ListFormat::json: {
      JsonWriter w(s);
      w.object();
      w.bytes_field("path", e.path);
      const char type = type_letter(e.type);
      w.key("type").plain_string(std::string_view(&type, 1));
      w.field("size", e.st.size);
      w.key("mtime").string_from([&](std::string& t) { append_iso8601(t, e.st.mtime_ns); });
      w.field("mtime_ns", e.st.mtime_ns).end_object();
      break;
    }
  }
  s.push_back(o.terminator);
}

void format_error(std::string& s, const PathError& err, char term) {
  JsonWriter w(s);
  w.object();
  w.bytes_field("path", err.path);
  w.field("error", cause(err)).field("errno", err.err).field("op", err.op).end_object();
  s.push_back(term);
}

class ListVisitor final : public WalkVisitor {
 public:
  ListVisitor(const std::vector<std::string>& roots, const ListOptions& o, OutputSink& out,
              const ListErrorFn& on_error, ListProgress* progress, unsigned threads)
      : roots_(roots), o_(o), out_(out), on_error_(on_error), progress_(progress), workers_(threads) {}

  Action on_entry(const Entry& e, unsigned w) override {
    WorkerState& ws = workers_[w];
    if (progress_ && ++ws.unreported >= 256) {
      progress_->entries.fetch_add(ws.unreported, std::memory_order_relaxed);
      ws.unreported = 0;
    }
    if (!o_.filter.match(e)) return Action::proceed;
    ++ws.matched;
    if (o_.summary_depth > 0) {
      account(ws, e);
      return Action::proceed;
    }
    if (o_.sort) {
      SortRec r{ws.arena.size(), static_cast<uint32_t>(e.path.size()), 0, w};
      ws.arena.append(e.path);
      const std::size_t before = ws.arena.size();
      format_entry(ws.arena, e, o_);
      r.rec_len = static_cast<uint32_t>(ws.arena.size() - before);
      ws.recs.push_back(r);
      return Action::proceed;
    }
    format_entry(ws.out.text(), e, o_);
    return ws.out.maybe_flush(out_) ? Action::proceed : Action::stop;
  }

  void on_error(const PathError& err, bool root, unsigned w) override {
    if (progress_) progress_->errors.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lk(err_mu_);
      if (root) root_failed_ = true;
      if (on_error_) on_error_(err, root);
      if (o_.format == ListFormat::json && (o_.sort || o_.summary_depth > 0))
        format_error(sorted_errors_, err, o_.terminator);
    }
    if (o_.format == ListFormat::json && !o_.sort && o_.summary_depth == 0)
      format_error(workers_[w].out.text(), err, o_.terminator);
  }

  // Writes what was held back (sorted entries, summary) and every worker's last batch.
  void finish() {
    for (auto& ws : workers_) ws.out.flush(out_);
    if (o_.sort && o_.summary_depth == 0) write_sorted();
    if (o_.summary_depth > 0) write_summary();
    if (!sorted_errors_.empty()) out_.write(sorted_errors_);
    if (progress_)
      for (auto& ws : workers_) progress_->entries.fetch_add(ws.unreported, std::memory_order_relaxed);
  }

  uint64_t matched() const {
    uint64_t m = 0;
    for (const auto& ws : workers_) m += ws.matched;
    return m;
  }
  bool root_failed() const { return root_failed_; }

 private:
  // Summary group of an entry: its first min(depth, components - 1) components.
  void account(WorkerState& ws, const Entry& e) {
    if (e.depth == 0) return;  // a root itself (--min-depth 0) is the group, not a member
    const int components = e.depth;
    const int k = std::min(o_.summary_depth, components - 1);
    std::string key;
    if (k == 0) {
      key = roots_[e.root_index];
    } else {
      std::size_t pos = 0;
      for (int i = 0; i < k; ++i) pos = e.rel.find('/', i == 0 ? 0 : pos + 1);
      key.assign(e.path.substr(0, e.path.size() - e.rel.size() + pos));
    }
    Totals& t = ws.groups[key];
    if (e.type == FileType::dir) {
      ++t.dirs;
      if (components <= o_.summary_depth) ws.groups.try_emplace(std::string(e.path));
      return;
    }
    ++t.files;
    if (e.type != FileType::file) return;
    if (e.st.nlink > 1)
      ws.links.push_back({e.st.dev, e.st.ino, e.st.size, std::move(key)});
    else
      t.bytes += e.st.size;
  }

  void write_sorted() {
    std::vector<SortRec> all;
    std::size_t n = 0;
    for (const auto& ws : workers_) n += ws.recs.size();
    all.reserve(n);
    for (auto& ws : workers_) {
      all.insert(all.end(), ws.recs.begin(), ws.recs.end());
      std::vector<SortRec>().swap(ws.recs);
    }
    auto key = [&](const SortRec& r) {
      return std::string_view(workers_[r.worker].arena).substr(r.off, r.path_len);
    };
    std::sort(all.begin(), all.end(), [&](const SortRec& a, const SortRec& b) { return key(a) < key(b); });
    LineBuffer buf;
    for (const auto& r : all) {
      buf.text().append(std::string_view(workers_[r.worker].arena).substr(r.off + r.path_len, r.rec_len));
      if (!buf.maybe_flush(out_)) return;
    }
    buf.flush(out_);
  }

  void write_summary() {
    std::map<std::string, Totals> groups;
    std::vector<HardLink> links;
    for (auto& ws : workers_) {
      for (auto& [k, t] : ws.groups) {
        Totals& g = groups[k];
        g.files += t.files;
        g.dirs += t.dirs;
        g.bytes += t.bytes;
      }
      std::move(ws.links.begin(), ws.links.end(), std::back_inserter(links));
    }
    std::sort(links.begin(), links.end(), [](const HardLink& a, const HardLink& b) {
      return std::tie(a.dev, a.ino, a.group) < std::tie(b.dev, b.ino, b.group);
    });
    for (std::size_t i = 0; i < links.size(); ++i)
      if (i == 0 || links[i].dev != links[i - 1].dev || links[i].ino != links[i - 1].ino)
        groups[links[i].group].bytes += links[i].size;
    Totals total;
    LineBuffer buf;
    auto row = [&](std::string_view path, const Totals& t, bool is_total) {
      std::string& s = buf.text();
      if (o_.format == ListFormat::json) {
        JsonWriter w(s);
        w.object();
        if (is_total)
          w.field("total", true);
        else
          w.field("path", path);
        w.field("files", t.files).field("dirs", t.dirs).field("bytes", t.bytes).end_object();
      } else {
        append_uint(s, t.files);
        s.push_back('\t');
        append_uint(s, t.dirs);
        s.push_back('\t');
        append_uint(s, t.bytes);
        s.push_back('\t');
        s.append(path);
      }
      s.push_back(o_.terminator);
    };
    for (const auto& [path, t] : groups) {
      row(path, t, false);
      total.files += t.files;
      total.dirs += t.dirs;
      total.bytes += t.bytes;
      if (!buf.maybe_flush(out_)) return;
    }
    row("total", total, true);
    buf.flush(out_);
  }

  const std::vector<std::string>& roots_;
  const ListOptions& o_;
  OutputSink& out_;
  const ListErrorFn& on_error_;
  ListProgress* progress_;
  std::vector<WorkerState> workers_;
  std::mutex err_mu_;
  std::string sorted_errors_;
  bool root_failed_ = false;
};

}  // namespace

ListResult run_listing(const std::vector<std::string>& roots, const ListOptions& opts, OutputSink& out,
                       const ListErrorFn& on_error, ListProgress* progress) {
  WalkOptions w = opts.walk;
  w.threads = choose_threads(roots, w.threads);
  w.include_roots = w.include_roots || opts.filter.min_depth <= 0;
  w.need_stat =
      w.need_stat || opts.filter.needs_stat() || opts.format != ListFormat::paths || opts.summary_depth > 0;
  if (opts.filter.prunes() && !w.prune) {
    const EntryFilter& f = opts.filter;
    w.prune = [&f](std::string_view rel, std::string_view name, FileType) { return f.prune(rel, name); };
  }
  ListVisitor v(roots, opts, out, on_error, progress, w.threads);
  ListResult r;
  r.walk = walk(roots, w, v);
  v.finish();
  r.matched = v.matched();
  r.root_failed = v.root_failed();
  r.output_errno = out.error();
  if (progress) progress->dirs.store(r.walk.dirs);
  return r;
}

}  // namespace dskit
