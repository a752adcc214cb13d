// dskit._dskit.Walker: the parallel walker (lib/dskit/walk) run on its own thread, its entries handed to
// Python in batches through a bounded queue, so memory stays bounded on any tree and the GIL is free while
// the walk runs; each batch becomes Entry tuples (built here, no Python code per entry), a count, or, for
// list_files, every path at once sorted as Python sorts str. Errors are collected as records, as dsls
// reports them; a root that cannot be read raises.
// dskit._dskit.folder_samples: torchvision's make_dataset (class folders walked, following symlinks; files
// sorted by (directory, name) as str; the extension check or is_valid_file; (path, class) tuples) in one
// call, Python called only for is_valid_file and for names where bytes and str disagree.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
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
constexpr std::size_t kMaxQueuedBatches = 64;

struct WalkArgs {
  std::vector<std::string> roots;
  WalkOptions walk;
  EntryFilter filter;
  bool stat = false;
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
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      pyb::gil_scoped_release release;
      thread_.join();
    }
  }

  // The next batch, or nothing at the end; raises when a root could not be read.
  std::optional<Batch> next() {
    std::unique_lock<std::mutex> lock(mu_);
    {
      pyb::gil_scoped_release release;
      cv_.wait(lock, [&] { return !queue_.empty() || done_; });
    }
    if (!queue_.empty()) {
      Batch b = std::move(queue_.front());
      queue_.pop_front();
      cv_.notify_all();
      return b;
    }
    if (root_error_) {
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
    if (b.size() >= kBatchEntries || b.rel.size() >= (std::size_t{1} << 30)) return push(b);
    return Action::proceed;
  }
  void on_error(const PathError& err, bool root, unsigned) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (root && !root_error_) root_error_ = err;
    errors_.push_back(err);
  }

 private:
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

// torchvision's make_dataset over one walk of `directory`: its children named as a class are the class
// folders (followed when they are symlinks, as os.path.isdir and os.walk do), every entry below one that
// is not a directory (after following symlinks) is a candidate file. Each candidate is kept as a key in
// its worker's arena: its directory relative to the class folder, a NUL, its name; keys compare as
// torchvision's (directory, name) order compares for the bytes (NUL is below every byte of a name).
class FolderCollector final : public WalkVisitor {
 public:
  struct Item {
    uint32_t cls;
    uint32_t len;
    std::size_t off;
  };
  struct Part {
    std::string arena;
    std::vector<Item> items;
    std::vector<char> invalid;  // per class: a key that is not valid UTF-8
  };

  FolderCollector(const std::vector<std::string>& classes, unsigned threads) : parts_(threads) {
    for (std::size_t i = 0; i < classes.size(); ++i) index_.emplace(classes[i], static_cast<uint32_t>(i));
    for (Part& p : parts_) p.invalid.assign(classes.size(), 0);
  }

  // Only the class folders among the top-level entries are walked.
  bool prune(std::string_view rel) const {
    return rel.find('/') == std::string_view::npos && index_.find(rel) == index_.end();
  }

  Action on_entry(const Entry& e, unsigned worker) override {
    if (e.type == FileType::dir) return Action::proceed;
    const auto slash = e.rel.find('/');
    if (slash == std::string_view::npos) return Action::proceed;  // a file beside the class folders
    const auto it = index_.find(e.rel.substr(0, slash));
    if (it == index_.end()) return Action::proceed;
    const std::string_view rest = e.rel.substr(slash + 1);
    Part& p = parts_[worker];
    const std::size_t off = p.arena.size();
    const auto last = rest.rfind('/');
    if (last == std::string_view::npos) {
      p.arena.push_back('\0');
      p.arena.append(rest);
    } else {
      p.arena.append(rest);
      p.arena[off + last] = '\0';
    }
    p.items.push_back({it->second, static_cast<uint32_t>(p.arena.size() - off), off});
    if (!is_ascii(rest) && !is_valid_utf8(rest)) p.invalid[it->second] = 1;
    return Action::proceed;
  }
  void on_error(const PathError&, bool, unsigned) override {}  // os.walk without onerror skips them

  const std::vector<Part>& parts() const { return parts_; }

 private:
  std::unordered_map<std::string_view, uint32_t> index_;
  std::vector<Part> parts_;
};

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

// folder_samples(directory, classes, targets, extensions, is_valid_file, threads) -> (samples, found):
// `classes` are plain names (no "/", not "." or ".."), sorted as torchvision sorts them; `targets` their
// class_to_idx values; exactly one of `extensions` (a tuple of ASCII str) and `is_valid_file` (a callable)
// is given. `found[i]`: class i has a sample.
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
  const bool bytes_order = fs_encoding_is_utf8();

  std::vector<std::vector<std::string_view>> keys(classes.size());
  std::vector<char> invalid(classes.size(), bytes_order ? 0 : 1);
  std::vector<std::string> roots{dir};
  WalkOptions wo;
  wo.follow = true;
  wo.threads = choose_threads(roots, threads);
  FolderCollector collector(classes, wo.threads);
  wo.prune = [&collector](std::string_view rel, std::string_view, FileType) { return collector.prune(rel); };
  {
    pyb::gil_scoped_release release;
    walk(roots, wo, collector);
    for (const auto& p : collector.parts()) {
      for (const auto& it : p.items) keys[it.cls].push_back(std::string_view(p.arena).substr(it.off, it.len));
      for (std::size_t c = 0; c < classes.size(); ++c) invalid[c] |= p.invalid[c];
    }
    // Classes sorted on the cores in parallel; those with a name that is not valid UTF-8 are left to
    // Python below.
    std::atomic<std::size_t> next{0};
    auto sort_classes = [&] {
      for (std::size_t c; (c = next.fetch_add(1)) < classes.size();)
        if (!invalid[c]) std::sort(keys[c].begin(), keys[c].end());
    };
    const unsigned cores = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < std::min<std::size_t>(cores, classes.size()); ++i)
      pool.emplace_back(sort_classes);
    sort_classes();
    for (auto& t : pool) t.join();
  }

  pyb::list samples;
  pyb::list found(classes.size());
  std::string path;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    std::vector<std::size_t> order;
    if (invalid[c]) {
      order = python_order(keys[c]);
    } else {
      order.resize(keys[c].size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    }
    // os.path.join(directory, class) then the directory below it and the name.
    path.assign(dir);
    if (path.back() != '/') path.push_back('/');
    path.append(classes[c]).push_back('/');
    const std::size_t prefix = path.size();
    const pyb::object target = targets[c];
    bool any = false;
    for (const std::size_t i : order) {
      const std::string_view key = keys[c][i];
      path.resize(prefix);
      if (key.front() == '\0') {
        path.append(key.substr(1));
      } else {
        const std::size_t at = path.size();
        path.append(key);
        path[at + key.find('\0')] = '/';
      }
      pyb::object str;
      bool keep;
      if (ext) {
        keep = ext->ok(path, str);
      } else {
        str = steal(decode_path(path));
        const int truth = PyObject_IsTrue(is_valid_file(str).ptr());
        if (truth < 0) throw pyb::error_already_set();
        keep = truth != 0;
      }
      if (!keep) continue;
      if (!str) str = steal(decode_path(path));
      const pyb::object pair = steal(PyTuple_New(2));
      PyTuple_SET_ITEM(pair.ptr(), 0, str.release().ptr());
      PyTuple_SET_ITEM(pair.ptr(), 1, target.inc_ref().ptr());
      if (PyList_Append(samples.ptr(), pair.ptr()) != 0) throw pyb::error_already_set();
      any = true;
    }
    found[c] = pyb::bool_(any);
  }
  return pyb::make_tuple(samples, found);
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
        "torchvision's make_dataset samples over one parallel walk: (samples, found per class)");
}

}  // namespace dskit::py
