"""dskit.torch.ImageFolder / DatasetFolder against torchvision's own classes as the oracle."""
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
