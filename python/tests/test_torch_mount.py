"""dskit.torch.DatasetFolder on the latency-injecting FUSE mount (scripts/bench/latfs.c, $DSKIT_BIN/latfs):
the round trips the walk makes per directory, and a Ctrl-C in the middle of a slow walk. Skipped where
latfs is not built or FUSE cannot be mounted."""
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest
import torchvision.datasets as tvd

import dskit
import dskit.torch as dt
from conftest import BIN, touch

LATFS = os.path.join(BIN, "latfs")


def threads_now():
    return len(os.listdir("/proc/self/task"))


class Mount:
    """SOURCE mounted read-only at MNT by latfs with DELAY_US per metadata call; `stats()` unmounts and
    returns latfs's request counters ({"opendir": N, "getattr/lookup": M, ...})."""

    def __init__(self, src, mnt, delay_us):
        if not os.access(LATFS, os.X_OK) or not os.path.exists("/dev/fuse") or not shutil.which("fusermount3"):
            pytest.skip("needs $DSKIT_BIN/latfs, /dev/fuse and fusermount3")
        self.mnt, self.stats_file = mnt, mnt + ".stats"
        os.makedirs(mnt)
        r = subprocess.run([LATFS, src, mnt, "-o", "ro", "-o", f"delay_us={delay_us}", "-o",
                            f"stats_file={self.stats_file}"], stderr=subprocess.PIPE)
        if r.returncode != 0 or not os.path.ismount(mnt):
            pytest.skip(f"cannot mount latfs: {r.stderr.decode(errors='replace')}")
        self.mounted = True

    def unmount(self):
        if self.mounted:
            subprocess.run(["fusermount3", "-u", self.mnt], check=False)
            if os.path.ismount(self.mnt):
                subprocess.run(["fusermount3", "-uz", self.mnt], check=False)
            self.mounted = False

    def stats(self):
        self.unmount()
        for _ in range(500):  # latfs writes its counters as it exits, after the unmount returned
            if os.path.exists(self.stats_file) and open(self.stats_file).read().endswith("\n"):
                break
            time.sleep(0.01)
        line = open(self.stats_file).read().splitlines()[-1]
        return {k: int(v) for k, v in (f.split("=") for f in line.split())}


@pytest.fixture
def mount(tmp_path):
    made = []

    def make(src, delay_us=0):
        m = Mount(src, str(tmp_path / f"mnt{len(made)}"), delay_us)
        made.append(m)
        return m

    yield make
    for m in made:
        m.unmount()


def test_one_lookup_per_directory(tmp_path, mount):
    # The walk follows symlinks, as torchvision does, so it knows each directory's device and inode (loop
    # detection): read from the attributes the lookup brought, not asked for again (one more round trip per
    # directory on FUSE and NFS before).
    src = str(tmp_path / "src")
    dirs = 0
    for c in range(3):
        for d in range(4):
            dirs += 1
            for f in range(5):
                touch(f"{src}/c{c}/d{d}/{f}.jpg")
    m = mount(src)
    ds = dt.DatasetFolder(m.mnt, loader=lambda p: p, extensions=(".jpg",))
    theirs = tvd.DatasetFolder(m.mnt, loader=lambda p: p, extensions=(".jpg",))
    assert ds.samples == theirs.samples and len(ds) == 60
    m.unmount()
    m = mount(src)
    dt.DatasetFolder(m.mnt, loader=lambda p: p, extensions=(".jpg",))
    s = m.stats()
    walked = 1 + 3 + dirs  # the root, the class folders, their subfolders
    assert s["opendir"] == walked + 1  # and find_classes's listing of the root
    # One lookup per directory below the root, and the root's own (find_classes's listing, the walk's stat
    # and open): twice as many before, each directory stat'ed again once open.
    assert s["getattr/lookup"] <= walked + 3, s


def walk_all(root):
    with dskit.walk(root) as w:
        return list(w)


@pytest.mark.parametrize("build", [lambda r: dt.DatasetFolder(r, loader=lambda p: p, extensions=(".jpg",)),
                                   walk_all], ids=["DatasetFolder", "walk"])
def test_ctrl_c_stops_the_walk(tmp_path, mount, build):
    # A chain of 60 directories, each a few 10 ms round trips away: the walk takes seconds. SIGINT in the
    # middle raises KeyboardInterrupt from the construction (or the loop), the walk stops there (most
    # directories never opened; before, the whole tree was walked first) and no walker thread is left.
    src = str(tmp_path / "src")
    path = f"{src}/c"
    for i in range(60):
        path += f"/{i}"
    touch(f"{path}/deep.jpg")
    m = mount(src, delay_us=10000)
    before = threads_now()
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            build(m.mnt)
    finally:
        timer.cancel()
        timer.join()
    assert threads_now() == before
    assert m.stats()["opendir"] < 30
