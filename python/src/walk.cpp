// dskit._dskit.Walker: the parallel walker (lib/dskit/walk) run on its own thread, its entries handed to
// Python in batches through a bounded queue, so memory stays bounded on any tree and the GIL is free while
// the walk runs; each batch becomes Entry tuples (built here, no Python code per entry), a count, or, for
// list_files, every path at once sorted as Python sorts str. Errors are collected as records, as dsls
// reports them; a root that cannot be read raises.
// dskit._dskit.folder_samples: torchvision's make_dataset (class folders walked, following symlinks; files
// sorted by (directory, name) as str; the extension check or is_valid_file; (path, class) tuples) in one
// call over such a walk, Python called only for is_valid_file and for names where bytes and str disagree.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bindings.h"
#include "dskit/base/text.h"
#include "dskit/walk/filter.h"
#include "dskit/walk/walk.h"

namespace dskit::py {

namespace {

// Entries of one batch, in one buffer.
struct Batch {
  std::string rel;             // relative paths, concatenated
  std::vector<uint32_t> ends;  // end offset of each path in `rel`
  std::vector<uint32_t> root_index;
  std::string types;            // one find -type letter per entry
  std::vector<uint64_t> sizes;  // with stat
  std::vector<int64_t> mtimes;  // with stat (ns)
  std::size_t size() const { return ends.size(); }
};

constexpr std::size_t kBatchEntries = 4096;
// A worker hands over a smaller batch when Python waits with nothing queued, so that Python's share of the
// work runs while the walk does (on a network mount 128 workers rarely fill a whole batch each).
constexpr std::size_t kEagerBatchEntries = 256;
constexpr std::size_t kMaxQueuedBatches = 64;
// How often Python's signal handlers run while it waits for a batch.
constexpr std::chrono::milliseconds kSignalPoll{50};

struct WalkArgs {
  std::vector<std::string> roots;
  WalkOptions walk;  // walk.prune is kept when the filter prunes nothing
  EntryFilter filter;
  bool stat = false;
  bool raise_root_error = true;  // false: a root that cannot be read is only an error record
};

class Walker final : public WalkVisitor {
 public:
  explicit Walker(WalkArgs args) : args_(std::move(args)) {
    args_.walk.need_stat = args_.stat || args_.filter.needs_stat();
    if (args_.filter.prunes())
      args_.walk.prune = [this](std::string_view rel, std::string_view name, FileType) {
        return args_.filter.prune(rel, name);
      };
    const unsigned threads = choose_threads(args_.roots, args_.walk.threads);
    args_.walk.threads = threads;
    pending_.resize(threads);
    thread_ = std::thread([this] { run(); });
  }
  ~Walker() override { close(); }
  Walker(const Walker&) = delete;
  Walker& operator=(const Walker&) = delete;

  // Stops the walk (if it still runs) and waits for its thread.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      stopping_.store(true, std::memory_order_relaxed);
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      pyb::gil_scoped_release release;
      thread_.join();
    }
  }

  // The next batch, or nothing at the end; raises when a root could not be read, and what a signal handler
  // raises (KeyboardInterrupt) while it waits.
  std::optional<Batch> next() {
    std::unique_lock<std::mutex> lock(mu_);
    if (queue_.empty() && !done_) {
      lock.unlock();
      hungry_.store(true, std::memory_order_relaxed);
      wait_for_batch();
      lock.lock();
    }
    hungry_.store(false, std::memory_order_relaxed);
    if (!queue_.empty()) {
      Batch b = std::move(queue_.front());
      queue_.pop_front();
      cv_.notify_all();
      return b;
    }
    if (root_error_ && args_.raise_root_error) {
      const PathError e = *root_error_;
      root_error_.reset();
      lock.unlock();
      errno = e.err;
      PyErr_SetFromErrnoWithFilenameObject(e.err == ENOENT    ? PyExc_FileNotFoundError
                                           : e.err == ENOTDIR ? PyExc_NotADirectoryError
                                           : e.err == EACCES  ? PyExc_PermissionError
                                                              : PyExc_OSError,
                                           fsdecode(e.path).ptr());
      throw pyb::error_already_set();
    }
    return std::nullopt;
  }

  std::vector<PathError> errors() const {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  unsigned threads() const { return args_.walk.threads; }
  const std::vector<std::string>& roots() const { return args_.roots; }
  bool stat() const { return args_.stat; }

  Action on_entry(const Entry& e, unsigned worker) override {
    if (stopping_.load(std::memory_order_relaxed)) return Action::stop;  // closed: the walk ends now
    if (!args_.filter.match(e)) return Action::proceed;
    Batch& b = pending_[worker];
    b.rel.append(e.rel);
    b.ends.push_back(static_cast<uint32_t>(b.rel.size()));
    b.root_index.push_back(static_cast<uint32_t>(e.root_index));
    b.types.push_back(type_letter(e.type));
    if (args_.stat) {
      b.sizes.push_back(e.has_stat ? e.st.size : 0);
      b.mtimes.push_back(e.has_stat ? e.st.mtime_ns : 0);
    }
    if (b.size() >= kBatchEntries || b.rel.size() >= (std::size_t{1} << 30) ||
        (b.size() >= kEagerBatchEntries && hungry_.load(std::memory_order_relaxed)))
      return push(b);
    return Action::proceed;
  }
  void on_error(const PathError& err, bool root, unsigned) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (root && !root_error_) root_error_ = err;
    errors_.push_back(err);
  }

 private:
  // Waits, the GIL released and the lock not held when the GIL is taken back, until a batch is queued or
  // the walk ended; runs the signal handlers every kSignalPoll (Python runs them only between bytecodes),
  // raising what they raise: Ctrl-C stops a long walk, the Walker's owner closing it.
  void wait_for_batch() {
    for (;;) {
      {
        pyb::gil_scoped_release release;
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_for(lock, kSignalPoll, [&] { return !queue_.empty() || done_; })) return;
      }
      if (PyErr_CheckSignals() != 0) {
        hungry_.store(false, std::memory_order_relaxed);
        throw pyb::error_already_set();
      }
    }
  }

  // Hands a full batch to Python, waiting while the queue is full; stop when Python went away.
  Action push(Batch& b) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queue_.size() < kMaxQueuedBatches || stop_; });
    if (stop_) return Action::stop;
    queue_.push_back(std::move(b));
    b = Batch{};
    cv_.notify_all();
    return Action::proceed;
  }

  void run() {
    walk(args_.roots, args_.walk, *this);
    for (Batch& b : pending_)
      if (b.size() > 0 && push(b) == Action::stop) break;
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

  WalkArgs args_;
  std::vector<Batch> pending_;  // per worker
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool stop_ = false, done_ = false;
  std::atomic<bool> stopping_{false};  // stop_, read by the workers without the lock
  std::atomic<bool> hungry_{false};    // Python waits for a batch
  std::vector<PathError> errors_;
  std::optional<PathError> root_error_;
  std::thread thread_;
};

FileType type_of_letter(char c) {
  switch (c) {
    case 'f':
      return FileType::file;
    case 'd':
      return FileType::dir;
    case 'l':
      return FileType::symlink;
    case 'b':
      return FileType::block;
    case 'c':
      return FileType::chr;
    case 'p':
      return FileType::fifo;
    case 's':
      return FileType::socket;
    default:
      throw pyb::value_error(std::string("type: unknown letter '") + c + "' (one of f d l b c p s)");
  }
}

std::unique_ptr<Walker> make_walker(const pyb::list& roots, const std::string& types,
                                    const std::vector<std::string>& names,
                                    const std::vector<std::string>& exclude,
                                    const std::optional<std::string>& regex, bool hidden, int min_depth,
                                    int max_depth, std::optional<uint64_t> min_size,
                                    std::optional<uint64_t> max_size, std::optional<int64_t> newer_ns,
                                    std::optional<int64_t> older_ns, bool stat, bool follow,
                                    bool one_file_system, unsigned threads) {
  WalkArgs a;
  for (const auto& r : roots) a.roots.push_back(fsencode(r));
  if (a.roots.empty()) throw pyb::value_error("walk: no root given");
  for (char c : types) a.filter.types.push_back(type_of_letter(c));
  a.filter.names = names;
  a.filter.excludes = exclude;
  if (regex) {
    if (auto err = Regex::compile(*regex, a.filter.regex)) throw pyb::value_error("regex: " + *err);
  }
  a.filter.no_hidden = !hidden;
  if (min_depth < 0) throw pyb::value_error("min_depth must be >= 0");
  a.filter.min_depth = min_depth;
  a.walk.include_roots = min_depth == 0;
  a.walk.max_depth = max_depth;
  if (min_size) a.filter.sizes.push_back({SizeFilter::Cmp::ge, *min_size});
  if (max_size) a.filter.sizes.push_back({SizeFilter::Cmp::le, *max_size});
  a.filter.newer_ns = newer_ns;
  a.filter.older_ns = older_ns;
  a.stat = stat;
  a.walk.follow = follow;
  a.walk.one_file_system = one_file_system;
  a.walk.threads = threads;
  return std::make_unique<Walker>(std::move(a));
}

// A batch as (rel: list[str], root_index: ndarray[uint32], types: bytes, sizes, mtimes) with sizes and mtimes
// None unless stat was asked for.
pyb::tuple to_python(const Batch& b) {
  pyb::list rel(b.size());
  uint32_t start = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    rel[i] = fsdecode(std::string_view(b.rel).substr(start, b.ends[i] - start));
    start = b.ends[i];
  }
  pyb::array_t<uint32_t> roots(static_cast<pyb::ssize_t>(b.size()));
  std::memcpy(roots.mutable_data(), b.root_index.data(), b.size() * sizeof(uint32_t));
  pyb::object sizes = pyb::none(), mtimes = pyb::none();
  if (b.sizes.size() == b.size() && !b.sizes.empty()) {
    pyb::array_t<uint64_t> s(static_cast<pyb::ssize_t>(b.size()));
    std::memcpy(s.mutable_data(), b.sizes.data(), b.size() * sizeof(uint64_t));
    pyb::array_t<int64_t> t(static_cast<pyb::ssize_t>(b.size()));
    std::memcpy(t.mutable_data(), b.mtimes.data(), b.size() * sizeof(int64_t));
    sizes = std::move(s);
    mtimes = std::move(t);
  }
  return pyb::make_tuple(rel, roots, pyb::bytes(b.types), sizes, mtimes);
}

// A new reference, or the Python error that is set raised.
pyb::object steal(PyObject* o) {
  if (o == nullptr) throw pyb::error_already_set();
  return pyb::reinterpret_steal<pyb::object>(o);
}

// The path of an entry: the root as given, "/" unless the root ends with one, the relative path; the root
// itself for the root's own entry (empty `rel`).
void join_path(std::string& out, std::string_view root, std::string_view rel) {
  out.assign(root);
  if (rel.empty()) return;
  if (root.empty() || root.back() != '/') out.push_back('/');
  out.append(rel);
}

// The entries of a batch as instances of `tp`, a tuple subclass of four fields (dskit.Entry: path, type,
// size, mtime_ns), each made as tuple.__new__ makes a subclass instance: no Python code runs per entry.
pyb::list to_entries(const Batch& b, const std::vector<std::string>& roots, bool stat, PyTypeObject* tp) {
  const std::size_t n = b.size();
  pyb::list out(n);
  std::string path;
  uint32_t start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    join_path(path, roots[b.root_index[i]], std::string_view(b.rel).substr(start, b.ends[i] - start));
    start = b.ends[i];
    pyb::object fields[4] = {steal(decode_path(path)), steal(PyUnicode_FromOrdinal(b.types[i])), pyb::none(),
                             pyb::none()};
    if (stat) {
      fields[2] = steal(PyLong_FromUnsignedLongLong(b.sizes[i]));
      fields[3] = steal(PyLong_FromLongLong(b.mtimes[i]));
    }
    PyObject* e = tp->tp_alloc(tp, 4);
    if (e == nullptr) throw pyb::error_already_set();
    for (Py_ssize_t f = 0; f < 4; ++f) PyTuple_SET_ITEM(e, f, fields[f].release().ptr());
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), e);
  }
  return out;
}

PyTypeObject* entry_type(const pyb::handle& h) {
  if (!PyType_Check(h.ptr()) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(h.ptr()), &PyTuple_Type))
    throw pyb::type_error("entry_type must be a tuple subclass of four fields");
  return reinterpret_cast<PyTypeObject*>(h.ptr());
}

// The rest of the walk at once, sorted as Python sorts the path strings when the bytes give that order
// (every path valid UTF-8, decoded as UTF-8), else in walk order with `sorted` false:
// (paths, types, sizes or None, mtimes or None, sorted).
pyb::tuple drain_sorted(Walker& w) {
  std::string all, path, types;
  std::vector<std::size_t> ends;
  std::vector<uint64_t> sizes;
  std::vector<int64_t> mtimes;
  bool bytes_order = fs_encoding_is_utf8();
  while (auto b = w.next()) {
    uint32_t start = 0;
    for (std::size_t i = 0; i < b->size(); ++i) {
      join_path(path, w.roots()[b->root_index[i]],
                std::string_view(b->rel).substr(start, b->ends[i] - start));
      start = b->ends[i];
      if (bytes_order && !is_ascii(path) && !is_valid_utf8(path)) bytes_order = false;
      all.append(path);
      ends.push_back(all.size());
    }
    types.append(b->types);
    sizes.insert(sizes.end(), b->sizes.begin(), b->sizes.end());
    mtimes.insert(mtimes.end(), b->mtimes.begin(), b->mtimes.end());
  }
  const std::size_t n = ends.size();
  auto at = [&](std::size_t i) {
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(all).substr(begin, ends[i] - begin);
  };
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  if (bytes_order) {
    pyb::gil_scoped_release release;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return at(a) < at(b); });
  }
  pyb::list paths(n);
  std::string sorted_types(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    PyList_SET_ITEM(paths.ptr(), static_cast<Py_ssize_t>(i),
                    steal(decode_path(at(order[i]))).release().ptr());
    sorted_types[i] = types[order[i]];
  }
  pyb::object s = pyb::none(), t = pyb::none();
  if (w.stat()) {
    pyb::array_t<uint64_t> sa(static_cast<pyb::ssize_t>(n));
    pyb::array_t<int64_t> ta(static_cast<pyb::ssize_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
      sa.mutable_data()[i] = sizes[order[i]];
      ta.mutable_data()[i] = mtimes[order[i]];
    }
    s = std::move(sa);
    t = std::move(ta);
  }
  return pyb::make_tuple(paths, pyb::bytes(sorted_types), s, t, bytes_order);
}

// The extension check of torchvision (has_file_allowed_extension: path.lower().endswith(extensions)) done
// on the bytes when the path's last bytes (as many as the longest extension) are ASCII: str.lower() maps
// each ASCII character to one ASCII character, so those bytes lowered are the end of path.lower(). Other
// paths are checked by the same Python expression.
class ExtensionCheck {
 public:
  explicit ExtensionCheck(const pyb::tuple& exts) : py_exts_(exts) {
    for (const auto& e : exts) {
      std::string x = e.cast<std::string>();
      if (!is_ascii(x)) throw pyb::value_error("folder_samples: extensions must be ASCII");
      longest_ = std::max(longest_, x.size());
      exts_.push_back(std::move(x));
    }
  }

  // Whether the path is kept; `str` is the path as str when it had to be made (else left empty).
  bool ok(std::string_view path, pyb::object& str) {
    const std::size_t k = std::min(longest_, path.size());
    const std::string_view tail = path.substr(path.size() - k);
    if (is_ascii(tail)) {
      low_.assign(tail);
      for (char& c : low_)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      for (const std::string& x : exts_)
        if (std::string_view(low_).ends_with(x)) return true;
      return false;
    }
    str = steal(decode_path(path));
    return str.attr("lower")().attr("endswith")(py_exts_).cast<bool>();
  }

 private:
  pyb::tuple py_exts_;
  std::vector<std::string> exts_;
  std::size_t longest_ = 0;
  std::string low_;
};

// The order of `keys` as Python sorts the (directory, name) pairs they hold as str.
std::vector<std::size_t> python_order(const std::vector<std::string_view>& keys) {
  pyb::list pairs(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto z = keys[i].find('\0');
    pairs[i] = pyb::make_tuple(fsdecode(keys[i].substr(0, z)), fsdecode(keys[i].substr(z + 1)), i);
  }
  if (PyList_Sort(pairs.ptr()) != 0) throw pyb::error_already_set();
  std::vector<std::size_t> order(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) order[i] = pairs[i].cast<pyb::tuple>()[2].cast<std::size_t>();
  return order;
}

// A candidate file of a class folder: its key in a KeyArena (its directory relative to the class folder, a
// NUL, its name: keys compare as torchvision's (directory, name) order compares for the bytes, NUL being
// below every byte of a name) and its path as str, or, when the extensions decided, already its sample, the
// (path, class) tuple (a reference held by folder_samples' `made`).
struct Candidate {
  const char* key;
  uint32_t len;  // a relative path is far below 4 GiB (each level is one name, at most 255 bytes)
  uint32_t dir;  // length of the directory part of the key
  PyObject* obj;
  std::string_view key_view() const { return {key, len}; }
};

// The keys of the candidates, in blocks that never move (a growing string would copy them, and touch new
// pages, at each doubling).
class KeyArena {
 public:
  char* alloc(std::size_t n) {
    if (blocks_.empty() || cap_ - used_ < n) {
      cap_ = std::max(kBlock, n);
      blocks_.emplace_back(new char[cap_]);
      used_ = 0;
    }
    char* p = blocks_.back().get() + used_;
    used_ += n;
    return p;
  }

 private:
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t used_ = 0, cap_ = 0;
};

// A (path, target) tuple. Untracked by the cyclic garbage collector when the target is (an int is), as
// CPython untracks a tuple of such objects at the first collection that sees it: no collection walks the
// hundreds of thousands of samples.
pyb::object sample(const pyb::handle& path, const pyb::handle& target) {
  pyb::object pair = steal(PyTuple_New(2));
  PyTuple_SET_ITEM(pair.ptr(), 0, path.inc_ref().ptr());
  PyTuple_SET_ITEM(pair.ptr(), 1, target.inc_ref().ptr());
  if (!PyObject_IS_GC(target.ptr()) || !PyObject_GC_IsTracked(target.ptr())) PyObject_GC_UnTrack(pair.ptr());
  return pair;
}

// Candidates ordered by their keys.
struct ByKey {
  bool operator()(const Candidate& a, const Candidate& b) const { return a.key_view() < b.key_view(); }
};

// The candidates of one class in the order the walk delivers them, cut into runs of one directory each (a
// directory is read by one worker, so its entries arrive together, in a few batches at most): a run is
// sorted when the next one starts, while the walk goes on; at the end the runs are put in directory order
// and those of one directory merged.
class ClassCandidates {
 public:
  void add(const Candidate& x) {
    if (open_ && !same_dir(cands_.back(), x)) close();
    if (!open_) {
      runs_.push_back({cands_.size(), 0});
      open_ = true;
    }
    cands_.push_back(x);
  }

  // Sorts every candidate by key: the runs ordered by directory, runs of one directory merged.
  void sort() {
    close();
    auto dir = [&](const Run& r) { return std::string_view(cands_[r.begin].key, cands_[r.begin].dir); };
    std::stable_sort(runs_.begin(), runs_.end(), [&](const Run& a, const Run& b) { return dir(a) < dir(b); });
    std::vector<Candidate> out;
    out.reserve(cands_.size());
    bool sorted = true;
    for (std::size_t i = 0, j; i < runs_.size(); i = j) {
      const std::size_t from = out.size();
      for (j = i; j < runs_.size() && dir(runs_[j]) == dir(runs_[i]); ++j)
        out.insert(out.end(), cands_.begin() + runs_[j].begin, cands_.begin() + runs_[j].end);
      if (j > i + 1) sort_keys(out.data() + from, out.data() + out.size());
      // Each directory's candidates are sorted (a sorted run, or its runs sorted together); checked where
      // two directories meet, as the order is the whole point.
      if (from > 0 && ByKey{}(out[from], out[from - 1])) sorted = false;
    }
    cands_ = std::move(out);
    runs_.clear();
    if (!sorted) std::sort(cands_.begin(), cands_.end(), ByKey{});
  }

  std::vector<Candidate>& candidates() { return cands_; }

 private:
  struct Run {
    std::size_t begin, end;
  };

  static bool same_dir(const Candidate& a, const Candidate& b) {
    return a.dir == b.dir && std::memcmp(a.key, b.key, a.dir) == 0;
  }
  void close() {
    if (!open_) return;
    runs_.back().end = cands_.size();
    sort_keys(cands_.data() + runs_.back().begin, cands_.data() + cands_.size());
    open_ = false;
  }

  // Sorts candidates by key, cheaply when they share a long prefix (one directory's files: the directory
  // and the start of most names): each compared by its 8 bytes after the common prefix, read as one
  // big-endian number (zero-padded: a key that ends there sorts first, as it does), and whole on a tie.
  void sort_keys(Candidate* first, Candidate* last) {
    if (last - first < 2) return;
    const std::string_view k0 = first->key_view();
    std::size_t common = k0.size();
    for (const Candidate* x = first + 1; x != last && common > 0; ++x) {
      const std::string_view k = x->key_view();
      std::size_t i = 0;
      for (const std::size_t m = std::min(common, k.size()); i < m && k[i] == k0[i];) ++i;
      common = i;
    }
    scratch_.clear();
    for (const Candidate* x = first; x != last; ++x) {
      const std::string_view k = x->key_view();
      uint64_t v = 0;
      for (std::size_t i = common; i < common + 8; ++i)
        v = (v << 8) | (i < k.size() ? static_cast<unsigned char>(k[i]) : 0u);
      scratch_.emplace_back(v, *x);
    }
    std::sort(scratch_.begin(), scratch_.end(), [&](const Prefixed& a, const Prefixed& b) {
      if (a.first != b.first) return a.first < b.first;
      return a.second.key_view().substr(common) < b.second.key_view().substr(common);
    });
    for (const Prefixed& x : scratch_) *first++ = x.second;
  }

  using Prefixed = std::pair<uint64_t, Candidate>;
  std::vector<Candidate> cands_;
  std::vector<Run> runs_;
  std::vector<Prefixed> scratch_;
  bool open_ = false;
};

// The cyclic garbage collector paused while it lives (left as it was found): the samples are hundreds of
// thousands of new tuples, each counted as an allocation, so the collector would run every 700 of them for
// nothing (they are untracked as soon as they are made).
class GcPause {
 public:
  GcPause() : was_enabled_(PyGC_Disable()) {}
  ~GcPause() {
    if (was_enabled_ == 1) PyGC_Enable();
  }
  GcPause(const GcPause&) = delete;
  GcPause& operator=(const GcPause&) = delete;

 private:
  int was_enabled_;
};

// folder_samples(directory, classes, targets, extensions, is_valid_file, threads) -> (samples, found,
// sample_targets):
// torchvision's make_dataset over one walk of `directory`, pruned to the children named as a class (class
// folders followed when they are symlinks, as os.path.isdir and os.walk do); every entry below one that is
// not a directory (after following symlinks) is a candidate. `classes` are plain names (no "/", not "." or
// ".."), sorted as torchvision sorts them; `targets` their class_to_idx values; exactly one of
// `extensions` (a tuple of ASCII str) and `is_valid_file` (a callable) is given. `found[i]`: class i has a
// sample; `sample_targets`: each sample's target (torchvision's DatasetFolder.targets). Paths are made and
// checked against the extensions while the walk runs; the sort and the calls to is_valid_file (in
// torchvision's order) follow it.
pyb::tuple folder_samples(const pyb::object& directory, const pyb::list& class_names,
                          const pyb::list& targets, const std::optional<pyb::tuple>& extensions,
                          const pyb::object& is_valid_file, unsigned threads) {
  const std::string dir = fsencode(directory);
  std::vector<std::string> classes;
  for (const auto& c : class_names) classes.push_back(fsencode(c));
  if (dir.empty() || targets.size() != classes.size() || extensions.has_value() == !is_valid_file.is_none())
    throw pyb::value_error("folder_samples: bad arguments");
  std::optional<ExtensionCheck> ext;
  if (extensions) ext.emplace(*extensions);
  std::optional<GcPause> gc_pause(std::in_place);  // until Python code (is_valid_file) runs
  std::unordered_map<std::string_view, uint32_t> index;
  std::vector<std::string> prefixes;  // os.path.join(directory, class) + "/"
  for (std::size_t c = 0; c < classes.size(); ++c) {
    index.emplace(classes[c], static_cast<uint32_t>(c));
    prefixes.push_back(dir + (dir.back() == '/' ? "" : "/") + classes[c] + "/");
  }

  WalkArgs args;
  args.roots = {dir};
  args.walk.follow = true;
  args.walk.threads = threads;
  args.walk.prune = [&index](std::string_view rel, std::string_view, FileType) {
    return rel.find('/') == std::string_view::npos && index.find(rel) == index.end();
  };
  args.raise_root_error = false;  // os.walk skips what it cannot read: the classes are then empty

  KeyArena arena;
  std::vector<ClassCandidates> candidates(classes.size());
  std::vector<char> invalid(classes.size(), fs_encoding_is_utf8() ? 0 : 1);  // sorted by Python
  std::vector<pyb::object> made;
  std::vector<pyb::object> target_objs;
  for (const auto& t : targets) target_objs.push_back(pyb::reinterpret_borrow<pyb::object>(t));
  std::string path;
  std::string_view last_class;  // the class of the entry before, and its index
  uint32_t last_index = 0;
  {
    Walker walker(std::move(args));
    while (auto b = walker.next()) {
      uint32_t start = 0;
      for (std::size_t i = 0; i < b->size(); ++i) {
        const std::string_view rel = std::string_view(b->rel).substr(start, b->ends[i] - start);
        start = b->ends[i];
        if (b->types[i] == 'd') continue;
        const auto slash = rel.find('/');
        if (slash == std::string_view::npos) continue;  // a file beside the class folders
        const std::string_view name = rel.substr(0, slash);
        if (name != last_class) {  // entries come a directory at a time: the class is looked up per run
          const auto it = index.find(name);
          if (it == index.end()) continue;
          last_class = it->first;
          last_index = it->second;
        }
        const uint32_t c = last_index;
        const std::string_view rest = rel.substr(slash + 1);
        path.assign(prefixes[c]).append(rest);
        pyb::object str;
        if (ext && !ext->ok(path, str)) continue;
        if (!str) str = steal(decode_path(path));
        if (ext) str = sample(str, target_objs[c]);
        if (!invalid[c] && !is_ascii(rest) && !is_valid_utf8(rest)) invalid[c] = 1;
        const auto last = rest.rfind('/');
        const bool top = last == std::string_view::npos;  // in the class folder itself
        char* key = arena.alloc(rest.size() + (top ? 1 : 0));
        if (top) {
          key[0] = '\0';
          std::memcpy(key + 1, rest.data(), rest.size());
        } else {
          std::memcpy(key, rest.data(), rest.size());
          key[last] = '\0';
        }
        candidates[c].add({key, static_cast<uint32_t>(rest.size() + (top ? 1 : 0)),
                           static_cast<uint32_t>(top ? 0 : last), str.ptr()});
        made.push_back(std::move(str));
      }
    }
  }

  {
    // Classes sorted on the cores in parallel; those with a name that is not valid UTF-8 are left to Python.
    pyb::gil_scoped_release release;
    std::atomic<std::size_t> next{0};
    auto sort_classes = [&] {
      for (std::size_t c; (c = next.fetch_add(1)) < classes.size();)
        if (!invalid[c]) candidates[c].sort();
    };
    const unsigned cores = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < std::min<std::size_t>(cores, classes.size()); ++i)
      pool.emplace_back(sort_classes);
    sort_classes();
    for (auto& t : pool) t.join();
  }

  if (!ext) gc_pause.reset();
  // The samples and their targets; with the extensions every candidate is one, so both lists are made at
  // their size.
  std::size_t total = 0;
  for (std::size_t c = 0; c < classes.size(); ++c) total += candidates[c].candidates().size();
  pyb::list samples(ext ? total : 0), sample_targets(ext ? total : 0);
  std::size_t n = 0;
  auto add = [&](PyObject* s, std::size_t c) {
    if (ext) {
      PyList_SET_ITEM(samples.ptr(), static_cast<Py_ssize_t>(n), pyb::handle(s).inc_ref().ptr());
      PyList_SET_ITEM(sample_targets.ptr(), static_cast<Py_ssize_t>(n), target_objs[c].inc_ref().ptr());
    } else if (PyList_Append(samples.ptr(), s) != 0 ||
               PyList_Append(sample_targets.ptr(), target_objs[c].ptr()) != 0) {
      throw pyb::error_already_set();
    }
    ++n;
  };
  pyb::list found(classes.size());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    std::vector<Candidate>& cs = candidates[c].candidates();
    if (invalid[c]) {
      std::vector<std::string_view> keys;
      for (const Candidate& x : cs) keys.push_back(x.key_view());
      std::vector<Candidate> sorted;
      for (const std::size_t i : python_order(keys)) sorted.push_back(cs[i]);
      cs = std::move(sorted);
    }
    bool any = false;
    for (const Candidate& x : cs) {
      if (ext) {
        add(x.obj, c);
      } else {
        const int truth = PyObject_IsTrue(is_valid_file(pyb::handle(x.obj)).ptr());
        if (truth < 0) throw pyb::error_already_set();
        if (truth == 0) continue;
        add(sample(x.obj, target_objs[c]).ptr(), c);
      }
      any = true;
    }
    found[c] = pyb::bool_(any);
  }
  return pyb::make_tuple(samples, found, sample_targets);
}

}  // namespace

void init_walk(pyb::module_& m) {
  pyb::class_<Walker>(m, "Walker", "A running parallel walk; batches of entries through next_batch()")
      .def(pyb::init(&make_walker), pyb::arg("roots"), pyb::kw_only(), pyb::arg("types") = "",
           pyb::arg("names") = std::vector<std::string>{}, pyb::arg("exclude") = std::vector<std::string>{},
           pyb::arg("regex") = pyb::none(), pyb::arg("hidden") = true, pyb::arg("min_depth") = 1,
           pyb::arg("max_depth") = -1, pyb::arg("min_size") = pyb::none(), pyb::arg("max_size") = pyb::none(),
           pyb::arg("newer_ns") = pyb::none(), pyb::arg("older_ns") = pyb::none(), pyb::arg("stat") = false,
           pyb::arg("follow") = false, pyb::arg("one_file_system") = false, pyb::arg("threads") = 0)
      .def(
          "next_batch",
          [](Walker& w) -> pyb::object {
            auto b = w.next();
            if (!b) return pyb::none();
            return to_python(*b);
          },
          "The next batch (rel, root_index, types, sizes, mtimes), or None at the end")
      .def(
          "next_entries",
          [](Walker& w, const pyb::handle& type) -> pyb::object {
            PyTypeObject* tp = entry_type(type);
            auto b = w.next();
            if (!b) return pyb::none();
            return to_entries(*b, w.roots(), w.stat(), tp);
          },
          pyb::arg("entry_type"),
          "The next batch as a list of entry_type(path, type, size, mtime_ns) tuples, or None at the end")
      .def(
          "count",
          [](Walker& w) {
            uint64_t n = 0;
            while (auto b = w.next()) n += b->size();
            return n;
          },
          "Walks to the end, counting the entries left")
      .def("drain_sorted", &drain_sorted,
           "The entries left at once: (paths, types, sizes, mtimes, sorted); sorted as str when `sorted`")
      .def("close", &Walker::close, "Stops the walk and waits for it")
      .def_property_readonly("threads", &Walker::threads)
      .def_property_readonly("errors", [](const Walker& w) {
        pyb::list out;
        for (const PathError& e : w.errors())
          out.append(pyb::make_tuple(fsdecode(e.path), e.err, e.op, describe(e)));
        return out;
      });
  m.def("folder_samples", &folder_samples, pyb::arg("directory"), pyb::arg("classes"), pyb::arg("targets"),
        pyb::arg("extensions"), pyb::arg("is_valid_file"), pyb::arg("threads") = 0,
        "torchvision's make_dataset samples over one parallel walk: (samples, found per class, targets)");
}

}  // namespace dskit::py
