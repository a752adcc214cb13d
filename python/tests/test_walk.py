"""dskit.walk and dskit.list_files against find(1) as the oracle."""
import errno
import os
import subprocess

import numpy as np
import pytest

import dskit
from conftest import touch


def find(root, *args):
    out = subprocess.run(["find", root, "-mindepth", "1", *args, "-print0"], check=True,
                         stdout=subprocess.PIPE).stdout
    return sorted(os.fsdecode(p) for p in out.split(b"\0") if p)


@pytest.fixture
def data(tmp_path):
    r = str(tmp_path / "r")
    for i in range(300):
        touch(f"{r}/c{i % 7}/sub{i % 3}/f{i}.jpg", b"x" * i)
    touch(f"{r}/.hidden/h.jpg")
    touch(f"{r}/c0/.dot.jpg")
    touch(f"{r}/c1/notes.txt", b"hello")
    os.symlink("c1/notes.txt", f"{r}/link.txt")
    os.symlink("c2", f"{r}/dirlink")
    os.makedirs(f"{r}/empty")
    touch(os.fsdecode(os.fsencode(r) + b"/bad\xff\xfename.jpg"))
    touch(f"{r}/new\nline.jpg")
    return r


def test_walk_equals_find(data):
    assert sorted(e.path for e in dskit.walk(data)) == find(data)
    assert sorted(e.path for e in dskit.walk(data, type="f")) == find(data, "-type", "f")
    assert sorted(e.path for e in dskit.walk(data, type="dl")) == find(data, "(", "-type", "d", "-o", "-type", "l", ")")


def test_filters_equal_find(data):
    assert sorted(e.path for e in dskit.walk(data, name="*.txt")) == find(data, "-name", "*.txt")
    assert sorted(e.path for e in dskit.walk(data, max_depth=1)) == find(data, "-maxdepth", "1")
    assert sorted(e.path for e in dskit.walk(data, type="f", min_size=100, max_size=199)) == \
        find(data, "-type", "f", "-size", "+99c", "-size", "-200c")
    got = sorted(e.path for e in dskit.walk(data, hidden=False))
    assert got == [p for p in find(data) if "/." not in p[len(data):]]
    got = sorted(e.path for e in dskit.walk(data, exclude="sub1"))
    assert got == find(data, "-name", "sub1", "-prune", "-o")


def test_follow_symlinks(data):
    out = subprocess.run(["find", "-L", data, "-mindepth", "1", "-type", "f", "-print0"], check=True,
                         stdout=subprocess.PIPE).stdout
    assert sorted(e.path for e in dskit.walk(data, follow=True, type="f")) == \
        sorted(os.fsdecode(p) for p in out.split(b"\0") if p)


def test_stat_sizes_and_mtimes(data):
    for e in dskit.walk(data, type="f", stat=True):
        st = os.lstat(e.path)
        assert e.size == st.st_size and e.mtime_ns == st.st_mtime_ns


def test_invalid_utf8_round_trips(data):
    names = [e.path for e in dskit.walk(data) if "name.jpg" in e.path]
    assert len(names) == 1
    assert os.fsencode(names[0]).endswith(b"/bad\xff\xfename.jpg")
    assert os.path.exists(names[0])


def test_list_files(data):
    r = dskit.list_files(data, stat=True)
    assert r["paths"] == find(data, "-type", "f")
    assert r["types"].tolist() == [b"f"] * len(r["paths"])
    assert r["sizes"].tolist() == [os.lstat(p).st_size for p in r["paths"]]
    assert r["errors"] == []


def test_missing_root_raises_with_the_path(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        dskit.walk(str(tmp_path / "nope"))
    assert "nope" in str(e.value)


def test_errors_are_collected_not_raised(data):
    # A symlink loop met with follow=True is an error record (as dsls -L reports it), never an exception.
    os.symlink("..", f"{data}/c4/up")
    w = dskit.walk(data, follow=True)
    paths = [e.path for e in w]
    assert f"{data}/c4/sub0" in paths
    assert [(e.path, e.errno, e.op) for e in w.errors] == [(f"{data}/c4/up", errno.ELOOP, "loop")]
    assert f"{data}/c4/up" in w.errors[0].message


def test_early_close_does_not_hang(tmp_path):
    r = str(tmp_path / "big")
    for i in range(20000):
        if i % 1000 == 0:
            os.makedirs(f"{r}/d{i // 1000}")
        open(f"{r}/d{i // 1000}/f{i}", "w").close()
    with dskit.walk(r) as w:
        first = [e for _, e in zip(range(10), w)]
    assert len(first) == 10
    w2 = dskit.walk(r)
    it = iter(w2)
    next(it)
    del it, w2  # dropped without close(): the walk thread must stop by itself


def test_bad_arguments_raise(data):
    with pytest.raises(ValueError):
        dskit.walk(data, type="z")
    with pytest.raises(ValueError):
        dskit.walk(data, regex="(")


def test_entries_are_entry_tuples(data):
    es = list(dskit.walk(data, type="f", stat=True))
    assert es and all(type(e) is dskit.Entry for e in es)
    e = es[0]
    assert e == (e.path, "f", e.size, e.mtime_ns) and e._asdict()["type"] == "f"
    path, t, size, mtime = e
    assert isinstance(size, int) and isinstance(mtime, int) and os.path.isabs(path) and t == "f"
    assert all(e.size is None and e.mtime_ns is None for e in dskit.walk(data))
    assert sorted(dskit.walk(data)) == sorted(dskit.Entry(p, t, None, None) for p, t in
                                              ((e.path, e.type) for e in dskit.walk(data)))
    # A root given with a trailing slash, or as bytes, gives the same paths as find does.
    assert sorted(e.path for e in dskit.walk(data + "/")) == find(data + "/")
    assert sorted(e.path for e in dskit.walk(os.fsencode(data))) == find(data)
    assert [e.path for e in dskit.walk(data, min_depth=0, max_depth=0)] == [data]


def test_count(data):
    assert dskit.walk(data).count() == len(find(data))
    assert dskit.walk(data, type="f", name="*.jpg").count() == len(find(data, "-type", "f", "-name", "*.jpg"))


def test_list_files_sorted_as_str(tmp_path):
    # Sorted natively by bytes when every path is valid UTF-8 (code-point order), by Python otherwise.
    r = str(tmp_path / "s")
    names = ["a", "A", "a b", "a.b/c", "a/b", "\u00e9", "\u4e2d", "\ue000", "\ufffd", "\U0001f600", "~", "\x7f"]
    for n in names:
        touch(f"{r}/{n}.x")
    assert dskit.list_files(r)["paths"] == sorted(f"{r}/{n}.x" for n in names)
    touch(os.fsdecode(os.fsencode(r) + b"/\x80.x"))
    touch(os.fsdecode(os.fsencode(r) + b"/\xed\xa0\x80.x"))
    got = dskit.list_files(r, stat=True)
    assert got["paths"] == find(r, "-type", "f")
    assert got["sizes"].tolist() == [0] * len(got["paths"])
    assert got["mtimes"].tolist() == [os.lstat(p).st_mtime_ns for p in got["paths"]]
    dirs = dskit.list_files(r, type="d")
    assert dirs["paths"] == find(r, "-type", "d") and dirs["types"].tolist() == [b"d"] * 2
