// latfs: a latency-injecting FUSE passthrough for benchmarks.
//
// Mirrors SOURCE at MOUNTPOINT and sleeps `delay_us` microseconds in every metadata call (lookup/getattr,
// opendir, readdir, open, readlink, statfs, access, and the namespace-changing calls), so that a local tree
// behaves like a network filesystem with that round-trip time. Nothing is cached by the kernel (entry, attr
// and negative timeouts are 0, no readdirplus, no readdir cache), so every run of every tool pays the
// latency. Requests are served by up to `max_threads` threads (default 512), so a parallel client gets its
// requests served concurrently, as by an NFS server.
//
//   latfs SOURCE MOUNTPOINT [-f] [-o delay_us=1000] [-o data_delay_us=0] [-o max_threads=512]
//                           [-o stats_file=PATH] [-o read_getattr=0] [-o ro] [other FUSE options]
//
// read_getattr=0: no GETATTR before each read of an open file (the kernel's check that the data did not
// change, FUSE_CAP_AUTO_INVAL_DATA), as a network filesystem reads within its attribute cache.
//   fusermount3 -u MOUNTPOINT
//
// Request counters (per operation, plus the peak number of requests in flight) are written to stats_file
// (or stderr) on SIGUSR1, which also resets them, and at unmount.
//
// Fault injection, for tests of tools against a failing network filesystem (tests/e2e/faults_*.sh). Each
// GLOB is matched (fnmatch, `*` also matches `/`) against the path relative to the mount's root, e.g.
// "sub/*.bin" or "*bad*"; each option may be given once:
//   -o fail_read=GLOB   (or --fail-read=GLOB)   read() of a matching file fails with EIO (open and stat work)
//   -o vanish=GLOB      (or --vanish=GLOB)      lookup/stat, open, opendir, access and readlink of a matching
//   path
//                                                fail with ENOENT, while readdir still lists it
//   -o fail_meta=GLOB   (or --fail-meta=GLOB)   lookup/stat, open, opendir, access and readlink of a matching
//                                                path fail with EIO, while readdir still lists it
//   -o short_read=GLOB  (or --short-read=GLOB)  reads of a matching file return at most a quarter of the
//                                                bytes asked (at least 1; direct I/O, so the reader sees
//                                                short reads, not an early end of file)
// Faults are counted like requests ("fault=N" in the stats line).
#define FUSE_USE_VERSION 314
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <fuse.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct latfs_opts {
  char* source;
  unsigned delay_us;
  unsigned data_delay_us;
  char* stats_file;
  char* fail_read;  // GLOBs of the fault modes (NULL: off)
  char* vanish;
  char* fail_meta;
  char* short_read;
  unsigned read_getattr;  // 0: no attribute check before each read (FUSE_CAP_AUTO_INVAL_DATA off)
};

static struct latfs_opts g_opts = {NULL, 1000, 0, NULL, NULL, NULL, NULL, NULL, 1};
static int g_src = -1;  // fd of the source directory

// ---------------------------------------------------------------------------------------------------------
// Counters

enum op_id {
  OP_GETATTR,
  OP_OPENDIR,
  OP_READDIR,
  OP_RELEASEDIR,
  OP_OPEN,
  OP_READ,
  OP_RELEASE,
  OP_READLINK,
  OP_STATFS,
  OP_ACCESS,
  OP_WRITE_META,
  OP_WRITE_DATA,
  OP_FAULT,
  OP_COUNT
};
static const char* const k_op_names[OP_COUNT] = {
    "getattr/lookup", "opendir", "readdir", "releasedir",        "open",  "read", "release",
    "readlink",       "statfs",  "access",  "namespace/setattr", "write", "fault"};

static atomic_ulong g_count[OP_COUNT];
static atomic_long g_inflight;
static atomic_long g_peak;

static void sleep_us(unsigned us) {
  if (us == 0) return;
  struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Counts one request, tracks the peak concurrency and sleeps the round trip.
static void rtt(enum op_id op, unsigned us) {
  atomic_fetch_add_explicit(&g_count[op], 1, memory_order_relaxed);
  long now = atomic_fetch_add(&g_inflight, 1) + 1;
  long peak = atomic_load(&g_peak);
  while (now > peak && !atomic_compare_exchange_weak(&g_peak, &peak, now)) {
  }
  sleep_us(us);
  atomic_fetch_sub(&g_inflight, 1);
}

// Async-signal-safe unsigned formatting; returns the number of bytes written to `out`.
static size_t fmt_ulong(char* out, unsigned long v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

static size_t append(char* buf, size_t len, size_t cap, const char* s) {
  size_t n = strlen(s);
  if (len + n > cap) n = cap - len;
  memcpy(buf + len, s, n);
  return len + n;
}

// Writes "op=count ..." and "peak_inflight=N" as one line; resets the counters. Async-signal-safe.
static void dump_stats(void) {
  char buf[1024];
  size_t len = 0;
  unsigned long total = 0;
  for (int i = 0; i < OP_COUNT; ++i) {
    unsigned long c = atomic_exchange(&g_count[i], 0);
    total += c;
    if (c == 0) continue;
    char num[24];
    num[fmt_ulong(num, c)] = 0;
    len = append(buf, len, sizeof buf - 64, k_op_names[i]);
    len = append(buf, len, sizeof buf - 64, "=");
    len = append(buf, len, sizeof buf - 64, num);
    len = append(buf, len, sizeof buf - 64, " ");
  }
  char num[24];
  num[fmt_ulong(num, total)] = 0;
  len = append(buf, len, sizeof buf - 32, "total=");
  len = append(buf, len, sizeof buf - 32, num);
  num[fmt_ulong(num, (unsigned long)atomic_exchange(&g_peak, 0))] = 0;
  len = append(buf, len, sizeof buf - 1, " peak_inflight=");
  len = append(buf, len, sizeof buf - 1, num);
  buf[len++] = '\n';
  int fd = 2;
  if (g_opts.stats_file) fd = open(g_opts.stats_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ssize_t w = write(fd, buf, len);
    (void)w;
    if (fd != 2) close(fd);
  }
}

static void on_sigusr1(int sig) {
  (void)sig;
  int saved = errno;
  dump_stats();
  errno = saved;
}

// ---------------------------------------------------------------------------------------------------------
// Paths: FUSE hands "/a/b"; the source is reached through *at() calls relative to g_src.

static const char* rel(const char* path) {
  while (*path == '/') ++path;
  return *path ? path : ".";
}

#define META() rtt(OP_WRITE_META, g_opts.delay_us)

// True when fault mode `glob` is on and matches `path` (as FUSE hands it: "/a/b"); counts the fault.
static int fault(const char* glob, const char* path) {
  if (!glob || fnmatch(glob, rel(path), 0) != 0) return 0;
  atomic_fetch_add_explicit(&g_count[OP_FAULT], 1, memory_order_relaxed);
  return 1;
}

static void* latfs_init(struct fuse_conn_info* conn, struct fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  cfg->nullpath_ok = 0;
  conn->want &= ~(unsigned)(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
  // With attr_timeout 0 the kernel sends a GETATTR before every read to see whether the data changed; a
  // network filesystem trusts its attribute cache between open and close instead (NFS's close-to-open).
  if (!g_opts.read_getattr) conn->want &= ~(unsigned)FUSE_CAP_AUTO_INVAL_DATA;
  return NULL;
}

static void latfs_destroy(void* data) {
  (void)data;
  dump_stats();
}

static int latfs_getattr(const char* path, struct stat* st, struct fuse_file_info* fi) {
  rtt(OP_GETATTR, g_opts.delay_us);
  if (!fi && fault(g_opts.vanish, path)) return -ENOENT;
  if (!fi && fault(g_opts.fail_meta, path)) return -EIO;
  int rc = fi ? fstat((int)fi->fh, st) : fstatat(g_src, rel(path), st, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : -errno;
}

static int latfs_access(const char* path, int mask) {
  rtt(OP_ACCESS, g_opts.delay_us);
  if (fault(g_opts.vanish, path)) return -ENOENT;
  if (fault(g_opts.fail_meta, path)) return -EIO;
  return faccessat(g_src, rel(path), mask, 0) == 0 ? 0 : -errno;
}

static int latfs_readlink(const char* path, char* buf, size_t size) {
  rtt(OP_READLINK, g_opts.delay_us);
  if (fault(g_opts.vanish, path)) return -ENOENT;
  if (fault(g_opts.fail_meta, path)) return -EIO;
  ssize_t n = readlinkat(g_src, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = 0;
  return 0;
}

struct latfs_dir {
  DIR* dp;
  struct dirent* entry;
  off_t offset;
};

static int latfs_opendir(const char* path, struct fuse_file_info* fi) {
  rtt(OP_OPENDIR, g_opts.delay_us);
  if (fault(g_opts.vanish, path)) return -ENOENT;
  if (fault(g_opts.fail_meta, path)) return -EIO;
  int fd = openat(g_src, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct latfs_dir* d = calloc(1, sizeof *d);
  if (!d) {
    close(fd);
    return -ENOMEM;
  }
  d->dp = fdopendir(fd);
  if (!d->dp) {
    int err = errno;
    close(fd);
    free(d);
    return -err;
  }
  fi->fh = (uint64_t)(uintptr_t)d;
  fi->cache_readdir = 0;
  fi->keep_cache = 0;
  return 0;
}

static int latfs_readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t offset,
                         struct fuse_file_info* fi, enum fuse_readdir_flags flags) {
  (void)path;
  (void)flags;
  rtt(OP_READDIR, g_opts.delay_us);
  struct latfs_dir* d = (struct latfs_dir*)(uintptr_t)fi->fh;
  if (offset != d->offset) {
    seekdir(d->dp, offset);
    d->entry = NULL;
    d->offset = offset;
  }
  for (;;) {
    if (!d->entry) {
      errno = 0;
      d->entry = readdir(d->dp);
      if (!d->entry) {
        if (errno) return -errno;
        break;
      }
    }
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_ino = d->entry->d_ino;
    st.st_mode = (mode_t)(DTTOIF(d->entry->d_type));
    off_t next = telldir(d->dp);
    if (filler(buf, d->entry->d_name, &st, next, 0)) break;  // reply buffer full: resume here next time
    d->entry = NULL;
    d->offset = next;
  }
  return 0;
}

static int latfs_releasedir(const char* path, struct fuse_file_info* fi) {
  (void)path;
  atomic_fetch_add_explicit(&g_count[OP_RELEASEDIR], 1, memory_order_relaxed);  // asynchronous: no delay
  struct latfs_dir* d = (struct latfs_dir*)(uintptr_t)fi->fh;
  closedir(d->dp);
  free(d);
  return 0;
}

static int latfs_open(const char* path, struct fuse_file_info* fi) {
  rtt(OP_OPEN, g_opts.delay_us);
  if (fault(g_opts.vanish, path)) return -ENOENT;
  if (fault(g_opts.fail_meta, path)) return -EIO;
  int fd = openat(g_src, rel(path), (fi->flags & ~O_NOFOLLOW) | O_CLOEXEC);
  if (fd < 0) return -errno;
  fi->fh = (uint64_t)fd;
  fi->keep_cache = 0;
  // Through the page cache the kernel would take a short reply for the end of the file.
  if (g_opts.short_read && fnmatch(g_opts.short_read, rel(path), 0) == 0) fi->direct_io = 1;
  return 0;
}

static int latfs_create(const char* path, mode_t mode, struct fuse_file_info* fi) {
  META();
  int fd = openat(g_src, rel(path), fi->flags | O_CLOEXEC, mode);
  if (fd < 0) return -errno;
  fi->fh = (uint64_t)fd;
  return 0;
}

static int latfs_read(const char* path, char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  rtt(OP_READ, g_opts.data_delay_us);
  if (fault(g_opts.fail_read, path)) return -EIO;
  if (size > 1 && fault(g_opts.short_read, path)) size = size / 4 > 0 ? size / 4 : 1;
  ssize_t n = pread((int)fi->fh, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int latfs_write(const char* path, const char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  (void)path;
  rtt(OP_WRITE_DATA, g_opts.data_delay_us);
  ssize_t n = pwrite((int)fi->fh, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int latfs_release(const char* path, struct fuse_file_info* fi) {
  (void)path;
  atomic_fetch_add_explicit(&g_count[OP_RELEASE], 1, memory_order_relaxed);  // asynchronous: no delay
  close((int)fi->fh);
  return 0;
}

static int latfs_fsync(const char* path, int datasync, struct fuse_file_info* fi) {
  (void)path;
  META();
  int rc = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);
  return rc == 0 ? 0 : -errno;
}

static int latfs_statfs(const char* path, struct statvfs* sv) {
  (void)path;
  rtt(OP_STATFS, g_opts.delay_us);
  return fstatvfs(g_src, sv) == 0 ? 0 : -errno;
}

static int latfs_mkdir(const char* path, mode_t mode) {
  META();
  return mkdirat(g_src, rel(path), mode) == 0 ? 0 : -errno;
}

static int latfs_unlink(const char* path) {
  META();
  return unlinkat(g_src, rel(path), 0) == 0 ? 0 : -errno;
}

static int latfs_rmdir(const char* path) {
  META();
  return unlinkat(g_src, rel(path), AT_REMOVEDIR) == 0 ? 0 : -errno;
}

static int latfs_symlink(const char* target, const char* path) {
  META();
  return symlinkat(target, g_src, rel(path)) == 0 ? 0 : -errno;
}

static int latfs_rename(const char* from, const char* to, unsigned int flags) {
  META();
  return renameat2(g_src, rel(from), g_src, rel(to), flags) == 0 ? 0 : -errno;
}

static int latfs_link(const char* from, const char* to) {
  META();
  return linkat(g_src, rel(from), g_src, rel(to), 0) == 0 ? 0 : -errno;
}

static int latfs_chmod(const char* path, mode_t mode, struct fuse_file_info* fi) {
  META();
  int rc = fi ? fchmod((int)fi->fh, mode) : fchmodat(g_src, rel(path), mode, 0);
  return rc == 0 ? 0 : -errno;
}

static int latfs_chown(const char* path, uid_t uid, gid_t gid, struct fuse_file_info* fi) {
  META();
  int rc = fi ? fchown((int)fi->fh, uid, gid) : fchownat(g_src, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : -errno;
}

static int latfs_truncate(const char* path, off_t size, struct fuse_file_info* fi) {
  META();
  int rc;
  if (fi) {
    rc = ftruncate((int)fi->fh, size);
  } else {
    int fd = openat(g_src, rel(path), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    rc = ftruncate(fd, size);
    int err = errno;
    close(fd);
    errno = err;
  }
  return rc == 0 ? 0 : -errno;
}

static int latfs_utimens(const char* path, const struct timespec tv[2], struct fuse_file_info* fi) {
  META();
  int rc = fi ? futimens((int)fi->fh, tv) : utimensat(g_src, rel(path), tv, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : -errno;
}

static const struct fuse_operations k_ops = {
    .getattr = latfs_getattr,
    .readlink = latfs_readlink,
    .mkdir = latfs_mkdir,
    .unlink = latfs_unlink,
    .rmdir = latfs_rmdir,
    .symlink = latfs_symlink,
    .rename = latfs_rename,
    .link = latfs_link,
    .chmod = latfs_chmod,
    .chown = latfs_chown,
    .truncate = latfs_truncate,
    .open = latfs_open,
    .read = latfs_read,
    .write = latfs_write,
    .statfs = latfs_statfs,
    .release = latfs_release,
    .fsync = latfs_fsync,
    .opendir = latfs_opendir,
    .readdir = latfs_readdir,
    .releasedir = latfs_releasedir,
    .init = latfs_init,
    .destroy = latfs_destroy,
    .access = latfs_access,
    .create = latfs_create,
    .utimens = latfs_utimens,
};

// ---------------------------------------------------------------------------------------------------------
// Command line

#define LATFS_OPT(t, p) \
  { t, offsetof(struct latfs_opts, p), 1 }
static const struct fuse_opt k_opt_spec[] = {
    LATFS_OPT("delay_us=%u", delay_us),
    LATFS_OPT("data_delay_us=%u", data_delay_us),
    LATFS_OPT("stats_file=%s", stats_file),
    LATFS_OPT("fail_read=%s", fail_read),
    LATFS_OPT("--fail-read=%s", fail_read),
    LATFS_OPT("vanish=%s", vanish),
    LATFS_OPT("--vanish=%s", vanish),
    LATFS_OPT("fail_meta=%s", fail_meta),
    LATFS_OPT("--fail-meta=%s", fail_meta),
    LATFS_OPT("short_read=%s", short_read),
    LATFS_OPT("--short-read=%s", short_read),
    LATFS_OPT("read_getattr=%u", read_getattr),
    FUSE_OPT_END,
};

static void usage(const char* prog) {
  fprintf(stderr,
          "usage: %s SOURCE MOUNTPOINT [-f] [-o delay_us=N] [-o data_delay_us=N] [-o max_threads=N]\n"
          "          [-o stats_file=PATH] [-o ro] [-o fail_read=GLOB] [-o vanish=GLOB] [-o fail_meta=GLOB]\n"
          "          [-o short_read=GLOB] [-o read_getattr=0] [FUSE options]\n"
          "Mirrors SOURCE at MOUNTPOINT, sleeping delay_us (default 1000) in every metadata request.\n"
          "Faults on paths (relative to the root) matching GLOB: fail_read: EIO on read; vanish: ENOENT on\n"
          "stat/open while readdir lists them; fail_meta: EIO on stat/open; short_read: reads return a\n"
          "quarter of what was asked.\n"
          "SIGUSR1 writes (and resets) per-operation request counters. Unmount with fusermount3 -u.\n",
          prog);
}

// The first non-option argument is SOURCE; the rest go to FUSE.
static int opt_proc(void* data, const char* arg, int key, struct fuse_args* outargs) {
  (void)data;
  (void)outargs;
  if (key == FUSE_OPT_KEY_NONOPT && !g_opts.source) {
    g_opts.source = strdup(arg);
    return 0;
  }
  if (key == FUSE_OPT_KEY_OPT && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
    usage("latfs");
    exit(0);
  }
  return 1;
}

int main(int argc, char* argv[]) {
  struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
  if (fuse_opt_parse(&args, &g_opts, k_opt_spec, opt_proc) != 0) return 2;
  if (!g_opts.source) {
    usage(argv[0]);
    return 2;
  }
  g_src = open(g_opts.source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (g_src < 0) {
    fprintf(stderr, "latfs: %s: %s\n", g_opts.source, strerror(errno));
    return 2;
  }
  // Many requests in flight, like an NFS server: the default of 10 threads would throttle a parallel
  // client. A later -o max_threads=N on the command line overrides this one.
  fuse_opt_insert_arg(&args, 1, "-omax_threads=512");
  fuse_opt_insert_arg(&args, 1, "-ofsname=latfs,subtype=latfs");

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigusr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);

  umask(0);
  int rc = fuse_main(args.argc, args.argv, &k_ops, NULL);
  fuse_opt_free_args(&args);
  close(g_src);
  free(g_opts.source);
  return rc;
}
