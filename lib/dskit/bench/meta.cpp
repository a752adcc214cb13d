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

#include "dskit/bench/target.h"

namespace dskit::bench {

namespace {

std::string thread_dir(const MetaOptions& o, const std::string& work, unsigned t) {
  return o.hard ? work + "/shared" : fmt::format("{}/t{}", work, t);
}
std::string file_path(const MetaOptions& o, const std::string& work, unsigned t, uint64_t i) {
  return o.hard ? fmt::format("{}/shared/t{}.f{}", work, t, i) : fmt::format("{}/t{}/f{}", work, t, i);
}

// Runs one operation per file of this thread, timing each into the phase's histogram.
void per_file(const MetaOptions& o, const std::string& work, const char* name, WorkerContext& ctx,
              ThreadStats& st, const std::function<int(const std::string&, uint64_t&)>& op) {
  Histogram& h = st.lat[name];
  for (uint64_t i = 0; i < o.files && !ctx.stop(); ++i) {
    const std::string p = file_path(o, work, ctx.thread(), i);
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

std::optional<BenchError> run_meta(const MetaOptions& o, MetaResult& out) {
  const CommonOptions& c = o.common;
  std::string tmpl = o.dir + "/dsbench-meta.XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    const int err = errno;
    return BenchError{err == ENOENT || err == ENOTDIR ? ErrorKind::usage : ErrorKind::output,
                      describe({o.dir, err, "mkdir"})};
  }
  const std::string work = tmpl;
  out.workdir = work;
  for (unsigned t = 0; t < (o.hard ? 1u : c.threads); ++t)
    if (::mkdir(thread_dir(o, work, t).c_str(), 0755) != 0) {
      const int err = errno;
      ::rmdir(work.c_str());
      return BenchError{ErrorKind::output, describe({thread_dir(o, work, t), err, "mkdir"})};
    }
  const std::string payload(o.file_size, 'x');
  auto phase = [&](const char* name, const Runner::Body& body) {
    if (c.interrupt && c.interrupt->load()) return;
    Runner runner({c.threads, 0, c.interrupt});
    if (c.live) c.live->store(&runner);
    out.phases.push_back({name, runner.run(body)});
    if (c.live) c.live->store(nullptr);
  };
  phase("create", [&](WorkerContext& ctx, ThreadStats& st) {
    per_file(o, work, "create", ctx, st, [&](const std::string& p, uint64_t& bytes) {
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
    per_file(o, work, "stat", ctx, st, [](const std::string& p, uint64_t&) {
      struct stat sb {};
      return ::stat(p.c_str(), &sb) == 0 ? 0 : errno;
    });
  });
  if (c.drop_cache)
    for (unsigned t = 0; t < c.threads; ++t)
      for (uint64_t i = 0; i < o.files; ++i) drop_cache(file_path(o, work, t, i));
  phase("read", [&](WorkerContext& ctx, ThreadStats& st) {
    std::vector<char> buf(std::max<uint64_t>(o.file_size, 1));
    per_file(o, work, "read", ctx, st, [&](const std::string& p, uint64_t& bytes) {
      const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return errno;
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      const int err = n < 0 ? errno : 0;
      ::close(fd);
      bytes = n > 0 ? static_cast<uint64_t>(n) : 0;
      return err;
    });
  });
  phase("readdir", [&](WorkerContext& ctx, ThreadStats& st) {
    const std::string d = thread_dir(o, work, ctx.thread());
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
    per_file(o, work, "unlink", ctx, st,
             [](const std::string& p, uint64_t&) { return ::unlink(p.c_str()) == 0 ? 0 : errno; });
  });
  if (!o.keep) {
    // Files 0 .. attempted-1 of each thread may exist (the create phase stops early when interrupted).
    for (unsigned t = 0; t < c.threads; ++t) {
      const ThreadStats* created = out.phases.empty() ? nullptr : &out.phases[0].result.threads[t];
      const uint64_t attempted = created ? std::min(o.files, created->ops + created->error_count) : 0;
      for (uint64_t i = 0; i < attempted; ++i) {
        const std::string p = file_path(o, work, t, i);
        if (::unlink(p.c_str()) != 0 && errno != ENOENT)
          out.cleanup_errors.push_back(describe({p, errno, "unlink"}));
      }
    }
    for (unsigned t = 0; t < (o.hard ? 1u : c.threads); ++t)
      if (::rmdir(thread_dir(o, work, t).c_str()) != 0 && errno != ENOENT)
        out.cleanup_errors.push_back(describe({thread_dir(o, work, t), errno, "rmdir"}));
    if (::rmdir(work.c_str()) != 0) out.cleanup_errors.push_back(describe({work, errno, "rmdir"}));
    out.removed = true;
  }
  return std::nullopt;
}

}  // namespace dskit::bench
