// dskit._dskit.Walker: the parallel walker (lib/dskit/walk) run on its own thread, its entries handed to
// Python in batches through a bounded queue, so memory stays bounded on any tree and the GIL is free while
// the walk runs. Errors are collected as records, as dsls reports them; a root that cannot be read raises.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

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
#include <vector>

#include "bindings.h"
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
      .def("close", &Walker::close, "Stops the walk and waits for it")
      .def_property_readonly("threads", &Walker::threads)
      .def_property_readonly("errors", [](const Walker& w) {
        pyb::list out;
        for (const PathError& e : w.errors())
          out.append(pyb::make_tuple(fsdecode(e.path), e.err, e.op, describe(e)));
        return out;
      });
}

}  // namespace dskit::py
