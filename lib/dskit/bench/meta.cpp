#include "dskit/bench/meta.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <functional>

#include "dskit/base/json.h"
#include "dskit/bench/report.h"
#include "dskit/bench/target.h"

namespace dskit::bench {

std::string meta_thread_dir(const std::string& work, bool hard, unsigned thread) {
  return hard ? work + "/shared" : fmt::format("{}/t{}", work, thread);
}
std::string meta_file_path(const std::string& work, bool hard, int rank, unsigned thread, uint64_t i) {
  return hard ? fmt::format("{}/shared/r{}.t{}.f{}", work, rank, thread, i)
              : fmt::format("{}/t{}/f{}", work, thread, i);
}

namespace {

Comm& comm_of(const MetaOptions& o, SoloComm& solo) {
  return o.comm ? *o.comm : solo;
}
unsigned dir_count(const MetaOptions& o) {
  return o.hard ? 1u : o.common.threads;
}

// Removes the first `made` thread directories of `work`, then `work`; failures go to `errors`.
void remove_dirs(const MetaOptions& o, const std::string& work, unsigned made,
                 std::vector<std::string>& errors) {
  for (unsigned t = 0; t < made; ++t)
    if (::rmdir(meta_thread_dir(work, o.hard, t).c_str()) != 0 && errno != ENOENT)
      errors.push_back(describe({meta_thread_dir(work, o.hard, t), errno, "rmdir"}));
  if (::rmdir(work.c_str()) != 0) errors.push_back(describe({work, errno, "rmdir"}));
}

// Makes dir/dsbench-meta.XXXXXX and its thread directories (hard mode: `shared`) into `work`; on failure
// removes what it made.
std::optional<BenchError> make_workdir(const MetaOptions& o, std::string& work) {
  std::string tmpl = o.dir + "/dsbench-meta.XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    const int err = errno;
    return BenchError{err == ENOENT || err == ENOTDIR ? ErrorKind::usage : ErrorKind::output,
                      describe({o.dir, err, "mkdir"})};
  }
  for (unsigned t = 0; t < dir_count(o); ++t)
    if (::mkdir(meta_thread_dir(tmpl, o.hard, t).c_str(), 0755) != 0) {
      const int err = errno;
      std::vector<std::string> ignored;
      remove_dirs(o, tmpl, t, ignored);
      return BenchError{ErrorKind::output, describe({meta_thread_dir(tmpl, o.hard, t), err, "mkdir"})};
    }
  work = tmpl;
  return std::nullopt;
}

// Runs one operation per file of this thread, timing each into the phase's histogram.
void per_file(const MetaOptions& o, const std::string& work, int rank, const char* name, WorkerContext& ctx,
              ThreadStats& st, const std::function<int(const std::string&, uint64_t&)>& op) {
  Histogram& h = st.lat[name];
  for (uint64_t i = 0; i < o.files && !ctx.stop(); ++i) {
    const std::string p = meta_file_path(work, o.hard, rank, ctx.thread(), i);
    uint64_t bytes = 0;
    const int64_t t0 = now_ns();
    const int err = op(p, bytes);
    const int64_t t1 = now_ns();
    if (err) {
      st.add_error({p, err, name});
      continue;
    }
    h.record(static_cast<uint64_t>(t1 - t0));
    ++st.ops;
    ++st.files;
    st.bytes += bytes;
    ctx.add(1, bytes);
  }
}

}  // namespace

std::optional<BenchError> meta_setup(const MetaOptions& o, MetaResult& out) {
  SoloComm solo;
  Comm& comm = comm_of(o, solo);
  out.workdir.clear();
  // Rank 0 tells every rank its mode and, in hard mode, the shared work directory it made (or that it
  // failed: it reports that itself, and the start agreement fails on every rank).
  std::optional<BenchError> root_err;
  std::string work;
  WireWriter w;
  if (comm.is_root()) {
    if (o.hard) root_err = make_workdir(o, work);
    w.u64(o.hard);
    w.u64(root_err.has_value());
    w.str(work);
  }
  const std::string msg = comm.broadcast(std::move(w.bytes()));  // the reader views it: keep it alive
  WireReader r(msg);
  const bool root_hard = r.u64() != 0, root_failed = r.u64() != 0;
  work = std::string(r.str());
  if (root_err) return root_err;
  if (root_hard != o.hard)
    return BenchError{ErrorKind::usage,
                      fmt::format("meta: rank {} has --mode {}, rank 0 --mode {}", comm.rank(),
                                  o.hard ? "hard" : "easy", root_hard ? "hard" : "easy")};
  if (root_failed) return std::nullopt;
  if (!o.hard) {
    if (auto err = make_workdir(o, work)) return err;
  } else if (!comm.is_root()) {
    struct stat sb {};
    const std::string d = meta_thread_dir(work, true, 0);
    const int err = ::stat(d.c_str(), &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
    if (err)
      return BenchError{
          ErrorKind::usage,
          fmt::format("{} (rank {}; in --mode hard every rank works in the directory rank 0 made: "
                      "--dir must be on a filesystem all ranks share)",
                      describe({d, err, "stat"}), comm.rank())};
  }
  out.workdir = work;
  return std::nullopt;
}

void meta_abandon(const MetaOptions& o, MetaResult& out) {
  SoloComm solo;
  if (out.workdir.empty() || (o.hard && !comm_of(o, solo).is_root())) return;  // hard: rank 0's to remove
  remove_dirs(o, out.workdir, dir_count(o), out.cleanup_errors);
  out.removed = true;
}

void meta_phases(const MetaOptions& o, MetaResult& out) {
  SoloComm solo;
  Comm& comm = comm_of(o, solo);
  const int rank = comm.rank();
  const CommonOptions& c = o.common;
  const std::string work = out.workdir;
  const std::string payload(o.file_size, 'x');
  auto phase = [&](const char* name, const Runner::Body& body) {
    // Every rank starts the phase together, or none does once any rank was interrupted.
    if (!comm.all_ok(!(c.interrupt && c.interrupt->load()))) return;
    Runner runner({c.threads, 0, c.interrupt});
    if (c.live) c.live->store(&runner);
    out.phases.push_back({name, runner.run(body)});
    if (c.live) c.live->store(nullptr);
  };
  phase("create", [&](WorkerContext& ctx, ThreadStats& st) {
    per_file(o, work, rank, "create", ctx, st, [&](const std::string& p, uint64_t& bytes) {
      const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) return errno;
      int err = 0;
      if (!payload.empty() &&
          ::write(fd, payload.data(), payload.size()) != static_cast<ssize_t>(payload.size()))
        err = errno ? errno : ENOSPC;
      ::close(fd);
      bytes = err ? 0 : payload.size();
      return err;
    });
  });
  phase("stat", [&](WorkerContext& ctx, ThreadStats& st) {
    per_file(o, work, rank, "stat", ctx, st, [](const std::string& p, uint64_t&) {
      struct stat sb {};
      return ::stat(p.c_str(), &sb) == 0 ? 0 : errno;
    });
  });
  if (c.drop_cache)
    for (unsigned t = 0; t < c.threads; ++t)
      for (uint64_t i = 0; i < o.files; ++i) drop_cache(meta_file_path(work, o.hard, rank, t, i));
  phase("read", [&](WorkerContext& ctx, ThreadStats& st) {
    std::vector<char> buf(std::max<uint64_t>(o.file_size, 1));
    per_file(o, work, rank, "read", ctx, st, [&](const std::string& p, uint64_t& bytes) {
      const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return errno;
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      const int err = n < 0 ? errno : 0;
      ::close(fd);
      bytes = n > 0 ? static_cast<uint64_t>(n) : 0;
      return err;
    });
  });
  // Each thread lists its directory: in hard mode the shared one, with every rank's files in it.
  phase("readdir", [&](WorkerContext& ctx, ThreadStats& st) {
    const std::string d = meta_thread_dir(work, o.hard, ctx.thread());
    const int64_t t0 = now_ns();
    DIR* dp = ::opendir(d.c_str());
    if (!dp) {
      st.add_error({d, errno, "opendir"});
      return;
    }
    uint64_t n = 0;
    while (const dirent* e = ::readdir(dp))
      if (e->d_name[0] != '.') ++n;
    ::closedir(dp);
    st.lat["readdir"].record(static_cast<uint64_t>(now_ns() - t0));
    st.ops += n;  // entries listed
    ctx.add(n, 0);
  });
  phase("unlink", [&](WorkerContext& ctx, ThreadStats& st) {
    per_file(o, work, rank, "unlink", ctx, st,
             [](const std::string& p, uint64_t&) { return ::unlink(p.c_str()) == 0 ? 0 : errno; });
  });
  if (!o.keep) {
    // Files 0 .. attempted-1 of each thread may exist (the create phase stops early when interrupted).
    for (unsigned t = 0; t < c.threads; ++t) {
      const ThreadStats* created = out.phases.empty() ? nullptr : &out.phases[0].result.threads[t];
      const uint64_t attempted = created ? std::min(o.files, created->ops + created->error_count) : 0;
      for (uint64_t i = 0; i < attempted; ++i) {
        const std::string p = meta_file_path(work, o.hard, rank, t, i);
        if (::unlink(p.c_str()) != 0 && errno != ENOENT)
          out.cleanup_errors.push_back(describe({p, errno, "unlink"}));
      }
    }
    if (!o.hard) {
      remove_dirs(o, work, dir_count(o), out.cleanup_errors);
      out.removed = true;
    }
  }
  // The shared directory goes once, when every rank has removed its files.
  comm.barrier();
  if (o.hard && !o.keep && comm.is_root()) {
    remove_dirs(o, work, dir_count(o), out.cleanup_errors);
    out.removed = true;
  }
}

std::optional<BenchError> run_meta(const MetaOptions& o, MetaResult& out) {
  if (auto err = meta_setup(o, out)) return err;
  meta_phases(o, out);
  return std::nullopt;
}

std::string meta_report_json(const MetaOptions& mo, const MetaResult& r, std::string_view meta_mode,
                             bool interrupted) {
  std::vector<ThreadStats> all;
  for (const auto& p : r.phases) all.insert(all.end(), p.result.threads.begin(), p.result.threads.end());
  Summary total = summarize(all);
  double secs = 0;
  for (const auto& p : r.phases) secs += summarize(p.result.threads).seconds();
  Histogram merged;
  for (const auto& [name, h] : total.lat.named) merged.merge(h);
  std::string out, lat;
  append_latency_json(lat, merged);
  JsonWriter w(out);
  w.object()
      .field("mode", "meta")
      .field("meta_mode", meta_mode)
      .field("engine", "psync")
      .field("threads", mo.common.threads)
      .field("direct", false)
      .field("files_per_thread", mo.files)
      .field("file_size", mo.file_size)
      .field("ops", total.ops)
      .field("bytes", total.bytes);
  append_rates_json(w, secs, total.ops, total.bytes);
  w.field("errors", total.error_count)
      .key("latency_ns")
      .raw(lat)
      .field("workdir", r.workdir)
      .field("removed", r.removed)
      .field("interrupted", interrupted)
      .key("phases")
      .array();
  for (const auto& p : r.phases) {
    const Summary s = summarize(p.result.threads);
    const Histogram* h = s.lat.find(p.name);
    std::string plat;
    append_latency_json(plat, h ? *h : Histogram{});
    w.object()
        .key("name")
        .plain_string(p.name)
        .field("ops", s.ops)
        .key("seconds")
        .fixed(s.seconds(), 6)
        .key("ops_per_s")
        .fixed(s.per_second(s.ops), 1)
        .field("errors", s.error_count)
        .key("fairness")
        .object()
        .key("first_done_s")
        .fixed(s.first_done_s, 6)
        .key("last_done_s")
        .fixed(s.last_done_s, 6)
        .end_object()
        .key("latency_ns")
        .raw(plat)
        .end_object();
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

}  // namespace dskit::bench
