#!/usr/bin/env python3
"""Generate the dsls benchmark trees deterministically (same names and sizes on every machine).

    mktree.py [--base DIR] [small|medium|million|all]...

Trees (under --base, default $DSKIT_BENCH_DIR or /tmp/dskit-bench):
  medium   280,000 files in 1,010 directories: 10 splits x 100 class folders x 280 files
  small      8,000 files in   100 directories: 100 class folders x 80 files
  million 1,000,000 files in 1,000 directories: 1,000 class folders x 1,000 files

Files are sparse (ftruncate to a pseudo-random size of 0..64 KiB), so the trees are cheap to make and the
listing tools still see realistic sizes. A tree is reused when its stamp file (BASE/NAME.done, beside the
tree, not inside it) records the same layout; a half-made tree is removed and made again.
"""
import argparse
import os
import shutil
import sys

LAYOUTS = {
    # name: (splits, classes per split, files per class); splits == 0: class folders directly under the root
    "medium": (10, 100, 280),
    "small": (0, 100, 80),
    "million": (0, 1000, 1000),
}


def size_of(i: int) -> int:
    """A deterministic, long-tailed file size in bytes (0 .. 64 KiB), from a 32-bit integer hash."""
    x = (i * 2654435761 + 0x9E3779B9) & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x45D9F3B) & 0xFFFFFFFF
    x ^= x >> 16
    return (x % 65536) >> (x % 5)


def leaf_dirs(splits: int, classes: int):
    if splits == 0:
        for c in range(classes):
            yield f"class_{c:04d}"
    else:
        for s in range(splits):
            for c in range(classes):
                yield f"split_{s:02d}/class_{c:03d}"


def make(base: str, name: str) -> str:
    splits, classes, files = LAYOUTS[name]
    root = os.path.join(base, name)
    stamp = os.path.join(base, name + ".done")
    spec = f"{splits} {classes} {files} v1\n"
    if os.path.exists(stamp) and open(stamp).read() == spec and os.path.isdir(root):
        print(f"mktree: {root}: present, reused", file=sys.stderr)
        return root
    if os.path.exists(root):
        shutil.rmtree(root)
    if os.path.exists(stamp):
        os.remove(stamp)
    print(f"mktree: {root}: making {classes * max(splits, 1) * files} files...", file=sys.stderr)
    n = 0
    for d in leaf_dirs(splits, classes):
        dpath = os.path.join(root, d)
        os.makedirs(dpath)
        dfd = os.open(dpath, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for f in range(files):
                fd = os.open(f"img_{n:07d}.jpg", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=dfd)
                sz = size_of(n)
                if sz:
                    os.ftruncate(fd, sz)
                os.close(fd)
                n += 1
        finally:
            os.close(dfd)
    with open(stamp, "w") as f:
        f.write(spec)
    return root


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default=os.environ.get("DSKIT_BENCH_DIR", "/tmp/dskit-bench"))
    ap.add_argument("trees", nargs="*", default=["all"], choices=["small", "medium", "million", "all"])
    a = ap.parse_args()
    names = list(LAYOUTS) if "all" in a.trees else a.trees
    os.makedirs(a.base, exist_ok=True)
    for n in names:
        print(make(a.base, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
