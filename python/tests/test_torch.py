"""dskit.torch.ImageFolder / DatasetFolder against torchvision's own classes as the oracle."""
import gc
import os

import pytest
import torchvision.datasets as tvd
from PIL import Image

import dskit
import dskit.torch as dt
from conftest import tool, touch


def same(a, b):
    assert a.classes == b.classes
    assert a.class_to_idx == b.class_to_idx
    assert a.samples == b.samples
    assert a.targets == b.targets


@pytest.fixture
def images(tmp_path):
    r = str(tmp_path / "imgs")
    for c in ["cat", "dog", "bird", "Zebra", "a b"]:
        for i in range(5):
            os.makedirs(f"{r}/{c}", exist_ok=True)
            Image.new("RGB", (4 + i, 3), (i * 40, 10, 200)).save(f"{r}/{c}/{i}.png")
    return r


def test_imagefolder_on_real_images(images):
    a, b = dt.ImageFolder(images), tvd.ImageFolder(images)
    same(a, b)
    assert a.imgs == b.imgs
    img, target = a[3]
    img2, target2 = b[3]
    assert target == target2 and img.size == img2.size and list(img.getdata()) == list(img2.getdata())


def test_tricky_trees(tmp_path):
    r = str(tmp_path / "t")
    touch(f"{r}/c1/a.b/x.jpg")
    touch(f"{r}/c1/a/b/y.jpg")
    touch(f"{r}/c1/a/z.JPEG")
    touch(f"{r}/c1/B.png")
    touch(f"{r}/c1/.hidden.jpg")
    touch(f"{r}/c1/notimage.txt")
    touch(f"{r}/.hiddenclass/h.jpg")
    touch(f"{r}/c2/deep/er/still/q.webp")
    touch(os.fsdecode(os.fsencode(r) + b"/c2/inv\xffalid.jpg"))
    touch(os.fsdecode(os.fsencode(r) + b"/c\xe9/u.jpg"))
    touch(f"{r}/c2/new\nline.jpg")
    os.symlink("../c1/B.png", f"{r}/c2/link.png")       # symlink to a file
    os.symlink("../c1/a", f"{r}/c2/dirlink")            # symlink to a directory: followed
    os.symlink("nowhere.jpg", f"{r}/c2/broken.jpg")     # broken symlink: listed, as os.walk does
    touch(f"{r}/file_at_root.jpg")
    same(dt.ImageFolder(r), tvd.ImageFolder(r))


def test_empty_class_folder_raises_the_same(tmp_path):
    r = str(tmp_path / "e")
    touch(f"{r}/full/a.jpg")
    os.makedirs(f"{r}/empty")
    with pytest.raises(FileNotFoundError) as ours:
        dt.ImageFolder(r)
    with pytest.raises(FileNotFoundError) as theirs:
        tvd.ImageFolder(r)
    assert str(ours.value) == str(theirs.value)
    ds = dt.ImageFolder(r, allow_empty=True)
    assert ds.classes == ["empty", "full"] and ds.samples == [(f"{r}/full/a.jpg", 1)]


def test_no_class_folder_raises_the_same(tmp_path):
    r = str(tmp_path / "n")
    touch(f"{r}/a.jpg")
    with pytest.raises(FileNotFoundError) as ours:
        dt.ImageFolder(r)
    with pytest.raises(FileNotFoundError) as theirs:
        tvd.ImageFolder(r)
    assert str(ours.value) == str(theirs.value)


def test_is_valid_file_and_extensions(tmp_path):
    r = str(tmp_path / "v")
    for c in ["x", "y"]:
        for n in ["1.npy", "2.npy", "3.txt", "keep_4.bin", "5.NPY"]:
            touch(f"{r}/{c}/{n}", n.encode())
    seen = []

    def valid(p):
        seen.append(p)
        return "keep" in p or p.endswith(".txt")

    load = lambda p: open(p, "rb").read()
    same(dt.DatasetFolder(r, load, is_valid_file=valid), tvd.DatasetFolder(r, load, is_valid_file=valid))
    same(dt.DatasetFolder(r, load, extensions=(".npy",)), tvd.DatasetFolder(r, load, extensions=(".npy",)))
    same(dt.DatasetFolder(r, load, extensions=".bin"), tvd.DatasetFolder(r, load, extensions=".bin"))
    with pytest.raises(ValueError):
        dt.DatasetFolder(r, load)
    assert dt.DatasetFolder(r, load, extensions=".bin")[0][0] == b"keep_4.bin"


def test_from_manifest_equals_imagefolder(images, tmp_path):
    m = str(tmp_path / "m.tsv")
    tool("dsmanifest", "build", images, "-o", m)
    a = dt.ImageFolder.from_manifest(m)
    same(a, tvd.ImageFolder(images))
    assert a.imgs == a.samples
    assert a[0][1] == 0 and a[0][0].size == (4, 3)
    b = dt.ImageFolder.from_manifest(dskit.Manifest(m), root=images)
    same(b, a)


def test_from_manifest_honours_repeat(images, tmp_path):
    m, bal = str(tmp_path / "m.tsv"), str(tmp_path / "bal.tsv")
    tool("dsmanifest", "build", images, "-o", m)
    tool("dsbalance", "--resample", "--target", "8", "--seed", "1", m, "-o", bal)
    man = dskit.Manifest(bal)
    ds = dt.ImageFolder.from_manifest(man)
    assert len(ds) == int(man.repeat.sum()) == 5 * 8
    assert sorted(set(ds.samples)) == sorted(set(tvd.ImageFolder(images).samples))


def test_threads_argument(images):
    same(dt.ImageFolder(images, threads=1), tvd.ImageFolder(images))


def tv_make_dataset(directory, class_to_idx, **kw):
    return tvd.folder.make_dataset(directory, class_to_idx, **kw)


def tv_class_samples(directory, c, index, **kw):
    """torchvision's samples of one class, [] when it has none (torchvision 0.14 has no allow_empty)."""
    try:
        return tv_make_dataset(directory, {c: index}, **kw)
    except FileNotFoundError:
        return []


def test_extensions_case_and_forms(tmp_path):
    # The native extension check against torchvision's path.lower().endswith(...): mixed case, extensions
    # given as str, tuple or list, upper-case extensions (never match), the empty extension, non-ASCII ones.
    r = str(tmp_path / "x")
    for n in ["a.jpg", "b.JPG", "c.JpEg", "d.jpeg.txt", "e.PNG", "f.jpgx", "g", "h.tar.GZ", "i.j p g",
              "İ.jpg", "ß.JPG", "j.jp\u212a", "k.\u00e9", "l.\u00c9"]:
        touch(f"{r}/c/{n}")
    touch(f"{r}/JPG.dir/m.gz")
    load = lambda p: p
    for ext in [".jpg", (".jpg",), [".jpg", ".jpeg"], (".JPG",), ("",), (".gz", "tar.gz"), (".jpk",),
                (".é",), ("é",), (), ("g",)]:
        if ext == ():
            with pytest.raises(FileNotFoundError) as ours:
                dt.DatasetFolder(r, load, extensions=ext)
            with pytest.raises(FileNotFoundError) as theirs:
                tvd.DatasetFolder(r, load, extensions=ext)
            assert str(ours.value) == str(theirs.value)
            continue
        try:
            theirs = tvd.DatasetFolder(r, load, extensions=ext)
        except FileNotFoundError as e:
            with pytest.raises(FileNotFoundError) as ours:
                dt.DatasetFolder(r, load, extensions=ext)
            assert str(ours.value) == str(e), ext
            continue
        same(dt.DatasetFolder(r, load, extensions=ext), theirs)
    # The Kelvin sign lowers to an ASCII "k": only the str check keeps it.
    assert [os.path.basename(p) for p, _ in dt.DatasetFolder(r, load, extensions=".jpk", allow_empty=True).samples] == ["j.jp\u212a"]


def test_names_where_bytes_and_str_order_differ(tmp_path):
    # Valid UTF-8 sorts by bytes as str sorts by code point; names with bytes that are not valid UTF-8 decode
    # to surrogate escapes (U+DC80..U+DCFF), which str puts between U+D7FF and U+E000 but the bytes do not.
    r = os.fsencode(str(tmp_path / "o"))
    names = [b"a.jpg", b"\xe4\xb8\xad.jpg", b"\xee\x80\x80.jpg", b"\xef\xbf\xbd.jpg", b"\xf0\x9f\x98\x80.jpg",
             b"\xc3\xa9.jpg", b"~.jpg", b"\x7f.jpg", b"A.jpg", b"a b.jpg", b"a/b.jpg", b"a.b/c.jpg", b"a b/c.jpg"]
    bad = [b"\x80.jpg", b"\xff.jpg", b"\xed\xa0\x80.jpg", b"\xc0\xaf.jpg", b"\xe4\xb8.jpg", b"\xf4\x90\x80\x80.jpg",
           b"\xf0\x9f\x98\x80\x80.jpg", b"d\xff/x.jpg", b"d\xe4\xb8\xad/x.jpg"]
    for n in names:
        touch(os.fsdecode(r + b"/valid/" + n))
    for n in names + bad:
        touch(os.fsdecode(r + b"/mixed/" + n))
        touch(os.fsdecode(r + b"/\xffclass/" + n))
    touch(os.fsdecode(r + b"/\xe4\xb8\xad/z.jpg"))
    touch(os.fsdecode(r + b"/\xf0\x9f\x98\x80/z.jpg"))
    touch(os.fsdecode(r + b"/\xee\x80\x80/z.jpg"))
    a, b = dt.ImageFolder(os.fsdecode(r)), tvd.ImageFolder(os.fsdecode(r))
    same(a, b)
    assert len(a.samples) == 2 * len(names + bad) + len(names) + 3


def test_is_valid_file_called_in_the_same_order(tmp_path):
    r = str(tmp_path / "v")
    for c in ["b", "a", "c"]:
        for n in ["z.x", "y.x", "s/t.x", "s.t/u.x", "\u00e9.x"]:
            touch(f"{r}/{c}/{n}")
    calls = {"ours": [], "theirs": []}

    def valid(which):
        return lambda p: calls[which].append(p) or len(calls[which]) % 2 == 0

    load = lambda p: p
    same(dt.DatasetFolder(r, load, is_valid_file=valid("ours")),
         tvd.DatasetFolder(r, load, is_valid_file=valid("theirs")))
    assert calls["ours"] == calls["theirs"] and len(calls["ours"]) == 15

    def boom(p):
        raise RuntimeError(f"refused {p}")

    with pytest.raises(RuntimeError, match="refused"):
        dt.DatasetFolder(r, load, is_valid_file=boom)
    # Samples of int classes are left out of the cyclic garbage collector, as CPython would leave them.
    ds = dt.DatasetFolder(r, load, extensions=".x")
    assert ds.samples and not any(gc.is_tracked(s) for s in ds.samples)
    ds = dt.DatasetFolder(r, load, is_valid_file=lambda p: True)
    assert ds.samples and not any(gc.is_tracked(s) for s in ds.samples)
    cls = {"a": [0], "b": [1], "c": [2]}  # targets that the collector tracks: so are the samples
    assert all(gc.is_tracked(s) for s in dt.make_dataset(r, cls, extensions=".x"))
    assert dt.make_dataset(r, cls, extensions=".x") == tv_make_dataset(r, cls, extensions=".x")


def test_allow_empty_and_class_folders_as_links(tmp_path):
    r = str(tmp_path / "w")
    touch(f"{r}/real/a.jpg")
    touch(f"{r}/real/sub/b.jpg")
    os.makedirs(f"{r}/empty")
    os.makedirs(f"{r}/.hidden")
    touch(f"{r}/.hidden/h.jpg")
    touch(f"{tmp_path}/elsewhere/e.jpg")
    os.symlink("real", f"{r}/linked")                      # a class folder that is a symlink
    os.symlink(f"{tmp_path}/elsewhere", f"{r}/outside")    # one leading out of the root
    touch(f"{tmp_path}/file.jpg")
    os.symlink(f"{tmp_path}/file.jpg", f"{r}/filelink")    # not a class folder (a file)
    a = dt.ImageFolder(r, allow_empty=True)
    assert a.classes == [".hidden", "empty", "linked", "outside", "real"]
    assert [p for p, _ in a.samples] == [f"{r}/.hidden/h.jpg", f"{r}/linked/a.jpg", f"{r}/linked/sub/b.jpg",
                                          f"{r}/outside/e.jpg", f"{r}/real/a.jpg", f"{r}/real/sub/b.jpg"]
    os.rmdir(f"{r}/empty")
    same(a.__class__(r + "/"), tvd.ImageFolder(r + "/"))
    same(dt.ImageFolder(r), tvd.ImageFolder(r))


def test_make_dataset_with_given_classes(tmp_path):
    # Class names that are not one folder each ("a/b", "..", missing ones) take the Python path; plain ones
    # the native one; both equal torchvision's make_dataset.
    r = str(tmp_path / "g")
    for p in ["a/b/1.jpg", "a/b/c/2.jpg", "a/3.jpg", "d/4.png", "d/e/5.PNG"]:
        touch(f"{r}/{p}")
    for cti in [{"a": 0, "d": 1}, {"d": 7, "a": 3}, {"a/b": 0, "d": 1}, {"a": 0, "d": 1, "missing": 2},
                {"..": 0, "a": 1}, {"a": 0, "d/e": 5}]:
        for kw in [{"extensions": (".jpg", ".png")}, {"is_valid_file": lambda p: "c" not in p}]:
            try:
                theirs = tv_make_dataset(r, cti, **kw)
            except FileNotFoundError as e:
                with pytest.raises(FileNotFoundError) as ours:
                    dt.make_dataset(r, cti, **kw)
                assert str(ours.value) == str(e)
                assert dt.make_dataset(r, cti, allow_empty=True, **kw) == \
                    [s for c in sorted(cti) for s in tv_class_samples(r, c, cti[c], **kw)]
                continue
            assert dt.make_dataset(r, cti, **kw) == theirs, (cti, kw)
    # A directory that is not there: every class is empty, the same error.
    with pytest.raises(FileNotFoundError) as theirs:
        tv_make_dataset(f"{r}/nope", {"a": 0}, extensions=".jpg")
    with pytest.raises(FileNotFoundError) as ours:
        dt.make_dataset(f"{r}/nope", {"a": 0}, extensions=".jpg")
    assert str(ours.value) == str(theirs.value)
    assert dt.make_dataset(f"{r}/nope", {"a": 0}, extensions=".jpg", allow_empty=True) == []


def test_subclasses_overriding_find_classes_or_make_dataset(tmp_path):
    # DatasetFolder makes `targets` with the samples unless a subclass overrides make_dataset: then, as
    # torchvision, from what the override returns (here reordered in place).
    r = str(tmp_path / "s")
    for c in ["a", "b", "c"]:
        for n in ["1.jpg", "2.jpg"]:
            touch(f"{r}/{c}/{n}")
    load = lambda p: p

    def reversed_samples(base):
        class Reversed(base):
            def make_dataset(self, *args, **kw):
                s = super().make_dataset(*args, **kw)
                s.reverse()
                return s
        return Reversed

    def two_classes(base):
        class Two(base):
            def find_classes(self, directory):
                return ["a", "c"], {"a": 5, "c": 9}
        return Two

    for make in [reversed_samples, two_classes]:
        same(make(dt.DatasetFolder)(r, load, extensions=".jpg"), make(tvd.DatasetFolder)(r, load, extensions=".jpg"))
        same(make(dt.ImageFolder)(r), make(tvd.ImageFolder)(r))
    ds = reversed_samples(dt.DatasetFolder)(r, load, extensions=".jpg")
    assert ds.targets == [2, 2, 1, 1, 0, 0]
    ds = dt.DatasetFolder(r, load, extensions=".jpg")
    ds.make_dataset = lambda *a, **k: [("x", 1)]  # an instance's own make_dataset, used by a later __init__
    dt.DatasetFolder.__init__(ds, r, load, extensions=".jpg")
    assert ds.samples == [("x", 1)] and ds.targets == [1]


def test_collector_state_kept_and_errors_leave_no_thread(tmp_path):
    # folder_samples pauses the cyclic collector while it makes the samples and leaves it as it was found,
    # also when is_valid_file raises in the middle; no walker or sorting thread outlives the call.
    r = str(tmp_path / "k")
    for c in ["a", "b"]:
        for i in range(50):
            touch(f"{r}/{c}/d{i % 5}/{i}.jpg")
    load = lambda p: p
    before = len(os.listdir("/proc/self/task"))
    assert gc.isenabled()
    dt.DatasetFolder(r, load, extensions=".jpg")
    assert gc.isenabled()
    gc.disable()
    try:
        dt.DatasetFolder(r, load, extensions=".jpg")
        assert not gc.isenabled()
    finally:
        gc.enable()
    calls = []

    def fails_midway(p):
        calls.append(p)
        if len(calls) == 30:
            raise OSError(f"cannot check {p}")
        return True

    with pytest.raises(OSError, match="cannot check"):
        dt.DatasetFolder(r, load, is_valid_file=fails_midway)
    assert len(calls) == 30 and gc.isenabled()
    assert len(os.listdir("/proc/self/task")) == before


def test_order_of_big_directories_with_shared_prefixes(tmp_path):
    # Directories bigger than a batch of the walk (4,096 entries) arrive in several runs, sorted together at
    # the end; names share long prefixes and are prefixes of each other (sorted by their bytes after the
    # common prefix, then whole).
    import random
    rng = random.Random(14)
    r = str(tmp_path / "big")
    names = {"a.jpg", "a0.jpg", "a00.jpg", "a000000000.jpg", "a0000000000.jpg", "b.jpg"}
    while len(names) < 5000:
        names.add("img_" + "0" * rng.randrange(0, 12) + str(rng.randrange(10 ** rng.randrange(1, 7))) + ".jpg")
    for d in ["c/sub", "d"]:
        os.makedirs(f"{r}/{d}")
    for i, n in enumerate(sorted(names)):
        for d in ["c"] if i % 20 else ["c", "c/sub", "d"]:
            os.close(os.open(f"{r}/{d}/{n}", os.O_WRONLY | os.O_CREAT, 0o644))
    load = lambda p: p
    theirs = tvd.DatasetFolder(r, load, extensions=".jpg")
    for threads in [0, 1, 3]:
        same(dt.DatasetFolder(r, load, extensions=".jpg", threads=threads), theirs)
