"""dskit.Manifest against the TSV parsed by Python's csv module and by pandas."""
import csv
import os

import numpy as np
import pandas as pd
import pytest

import dskit
from conftest import tool, touch, unescape


@pytest.fixture
def built(tmp_path):
    r = str(tmp_path / "ds")
    for c in ["cat", "dog", "emu"]:
        for i in range(7):
            touch(f"{r}/{c}/{i}.jpg", os.urandom(10 + i))
    touch(os.fsdecode(os.fsencode(r) + b"/dog/bad\xff\xfe.jpg"), b"zz")
    touch(f"{r}/cat/tab\there.jpg", b"t")
    touch(f"{r}/cat/new\nline.jpg", b"n")
    m = str(tmp_path / "m.tsv")
    tool("dsmanifest", "build", r, "-o", m)
    return r, m


def rows_by_csv(m):
    with open(m, "rb") as f:
        lines = f.read().split(b"\n")
    meta, header = lines[0].split(b"\t"), lines[1].split(b"\t")
    rows = [l.split(b"\t") for l in lines[2:] if l]
    return meta, [h.decode() for h in header], rows


def test_columns_equal_the_tsv(built):
    r, m = built
    man = dskit.Manifest(m)
    meta, header, rows = rows_by_csv(m)
    assert man.columns == header
    assert man.root == os.path.abspath(r)
    assert len(man) == len(rows)
    col = {h: i for i, h in enumerate(header)}
    assert [os.fsencode(p) for p in man.paths] == [unescape(row[col["path"]]) for row in rows]
    assert man.sizes.tolist() == [int(row[col["size"]]) for row in rows]
    assert man.mtimes.tolist() == [int(row[col["mtime_ns"]]) for row in rows]
    assert man.hashes.tolist() == [row[col["xxh3_128"]] for row in rows]
    labels = [os.fsdecode(unescape(row[col["label"]])) for row in rows]
    assert man.classes == sorted(set(labels))
    assert [man.classes[i] for i in man.labels] == labels
    assert man.labels.dtype == np.int32 and man.sizes.dtype == np.uint64
    # Paths as one buffer: slices and negative indexes, and the files they name exist.
    assert man.paths[-1] == man.paths[len(man) - 1]
    assert man.paths[2:5] == [man.paths[i] for i in range(2, 5)]
    for i in range(len(man)):
        assert os.path.getsize(man.abs_path(i)) == man.sizes[i]
    assert man[0]["path"] == man.paths[0] and man[0]["label"] == labels[0]


def test_csv_module_reads_the_same(built):
    _, m = built
    man = dskit.Manifest(m)
    with open(m, newline="", encoding="utf-8", errors="surrogateescape") as f:
        f.readline()
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        sizes = [int(row["size"]) for row in reader]
    assert sizes == man.sizes.tolist()


def test_to_pandas_equals_read_csv(built):
    _, m = built
    df = dskit.Manifest(m).to_pandas()
    ref = pd.read_csv(m, sep="\t", skiprows=1, quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False,
                      encoding="utf-8", encoding_errors="surrogateescape")
    assert list(df["size"]) == [int(s) for s in ref["size"]]
    assert list(df["xxh3_128"]) == list(ref["xxh3_128"])
    assert list(df["path"]) == [os.fsdecode(unescape(os.fsencode(p))) for p in ref["path"]]
    assert list(df["label"]) == list(ref["label"])


def test_invalid_utf8_paths_round_trip_as_surrogate_escapes(built):
    _, m = built
    man = dskit.Manifest(m)
    bad = [p for p in man.paths if "bad" in p]
    assert len(bad) == 1
    assert os.fsencode(bad[0]) == b"dog/bad\xff\xfe.jpg"
    assert man.paths.raw(man.paths[:].index(bad[0])) == b"dog/bad\xff\xfe.jpg"


def test_errors_are_exceptions_naming_the_file(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        dskit.Manifest(str(tmp_path / "missing.tsv"))
    assert "missing.tsv" in str(e.value)
    bad = tmp_path / "bad.tsv"
    bad.write_text("#dskit-manifest v1\troot=/r\thash=none\npath\tsize\nok\t1\nbroken\tx\n")
    with pytest.raises(ValueError) as e:
        dskit.Manifest(str(bad))
    assert "bad.tsv:4" in str(e.value)
    rep = tmp_path / "rep.tsv"
    rep.write_text("#dskit-manifest v1\troot=/r\thash=none\npath\trepeat\na\t2\nb\t-1\n")
    with pytest.raises(ValueError) as e:
        dskit.Manifest(str(rep))
    assert "rep.tsv:4: repeat" in str(e.value)


def test_repeat_and_expanded(tmp_path):
    rep = tmp_path / "rep.tsv"
    rep.write_text("#dskit-manifest v1\troot=/r\thash=none\npath\tlabel\trepeat\tsplit\n"
                   "a\tx\t2\ttrain\nb\ty\t0\tval\nc\tx\t3\ttrain\n")
    man = dskit.Manifest(str(rep))
    assert man.repeat.tolist() == [2, 0, 3]
    assert man.expanded().tolist() == [0, 0, 2, 2, 2]
    assert man.extra == {"split": ["train", "val", "train"]}
    assert man.sizes is None and man.hashes is None


def test_root_override(built, tmp_path):
    _, m = built
    assert dskit.Manifest(m, root=str(tmp_path)).root == str(tmp_path)
