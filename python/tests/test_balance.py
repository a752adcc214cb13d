"""dskit.balance against the real dsbalance binary: the dict equals `dsbalance --json` (parsed) on an ImageFolder
tree, a manifest (plain, --by split with gates, with a weight column), a COCO file and two inputs; the weights
equal `dsbalance --weights METHOD`; errors are exceptions naming the path."""
import json
import os
import subprocess

import pytest

import dskit
from conftest import BIN, tool, touch


def dsbalance_json(*args):
    """dsbalance --json ARGS parsed (exit 0, or 4 when a gate tripped)."""
    r = subprocess.run([os.path.join(BIN, "dsbalance"), "--json", *map(os.fsencode, args)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert r.returncode in (0, 4), r.stderr
    return json.loads(r.stdout)


def dsbalance_weights(method, *args):
    out = tool("dsbalance", "--weights", method, "--weights-format", "json", *args, stderr=subprocess.DEVNULL)
    return json.loads(out)["weights"]


def same(got, want):
    """The report equals dsbalance's; the weights equal its 8 significant digits."""
    weights = got.pop("weights")
    assert got == want
    return weights


@pytest.fixture
def folder(tmp_path):
    for c, n in {"cat": 7, "dog": 3, "bird": 1}.items():
        for i in range(n):
            touch(str(tmp_path / "ds" / c / f"{i}.jpg"), b"x" * i)
    os.makedirs(tmp_path / "ds" / "empty")
    return str(tmp_path / "ds")


def test_imagefolder_equals_dsbalance(folder):
    for method in ("balanced", "inverse", "inverse-sqrt", "effective"):
        got = dskit.balance(folder, weights=method)
        weights = same(got, dsbalance_json(folder))
        assert weights == pytest.approx(dsbalance_weights(method, folder), rel=1e-7)
    assert [c["name"] for c in dskit.balance(folder)["classes"]] == ["bird", "cat", "dog", "empty"]


def test_manifest_by_split_with_gates(folder, tmp_path):
    m, s = str(tmp_path / "m.tsv"), str(tmp_path / "s.tsv")
    tool("dsmanifest", "build", folder, "-o", m, stderr=subprocess.DEVNULL)
    tool("dsmanifest", "split", "--ratios", "0.5,0.25,0.25", m, "-o", s, stderr=subprocess.DEVNULL)
    assert same(dskit.balance(m), dsbalance_json(m)) == pytest.approx(dsbalance_weights("balanced", m), rel=1e-7)
    gates = ["imbalance_ratio>2", "tvd>0.1", "missing_classes>0"]
    got = dskit.balance(s, by="split", fail_if=gates, merge="bird=cat", many=5, few=2)
    want = dsbalance_json("--by", "split", "--merge", "bird=cat", "--many", "5", "--few", "2",
                          *[a for g in gates for a in ("--fail-if", g)], s)
    same(got, want)
    assert [p["name"] for p in got["splits"]["per_split"]][:1] == ["train"]
    assert {g["expr"] for g in got["gates"]} == set(gates)


def test_weight_column(folder, tmp_path):
    m, w = str(tmp_path / "m.tsv"), str(tmp_path / "w.tsv")
    tool("dsmanifest", "build", folder, "-o", m, stderr=subprocess.DEVNULL)
    tool("dsbalance", "--sample-weights", "-o", w, m)
    got = dskit.balance(w)
    same(got, dsbalance_json(w))
    assert all(c["share"] == pytest.approx(1 / 3, abs=1e-5) for c in got["weighted"]["classes"])


def test_coco_equals_dsbalance(tmp_path):
    coco = {
        "images": [{"id": i, "file_name": f"{i}.jpg"} for i in range(1, 6)],
        "categories": [{"id": 3, "name": "person"}, {"id": 1, "name": "car"}, {"id": 7, "name": "kite"}],
        "annotations": [{"id": k, "image_id": 1 + k % 5, "category_id": c, "iscrowd": int(k == 4)}
                        for k, c in enumerate([3, 3, 3, 1, 3, 1, 3, 3])],
    }
    path = str(tmp_path / "instances.json")
    with open(path, "w") as f:
        json.dump(coco, f)
    for unit, crowd in (("instances", True), ("images", False)):
        args = ["--unit", unit] + ([] if crowd else ["--no-crowd"])
        got = dskit.balance(path, unit=unit, no_crowd=not crowd, weights="inverse")
        weights = same(got, dsbalance_json(*args, path))
        assert weights == pytest.approx(dsbalance_weights("inverse", *args, path), rel=1e-7)
        assert got["annotations"]["unit"] == unit


def test_two_inputs(folder, tmp_path):
    val = tmp_path / "val"
    for c, n in {"cat": 1, "dog": 2, "fish": 1}.items():
        for i in range(n):
            touch(str(val / c / f"{i}.jpg"))
    with pytest.warns(UserWarning, match="no entry of class"):
        got = dskit.balance([folder, str(val)], fail_if="jsd>0.01")
    weights = same(got, dsbalance_json("--fail-if", "jsd>0.01", folder, str(val)))
    assert got["splits"]["by"] == "inputs"
    assert weights == pytest.approx(dsbalance_weights("balanced", folder, str(val)), rel=1e-7)


def test_errors_name_the_path(tmp_path):
    missing = str(tmp_path / "nope.tsv")
    with pytest.raises(FileNotFoundError, match="nope.tsv"):
        dskit.balance(missing)
    broken = str(tmp_path / "broken.json")
    with open(broken, "w") as f:
        f.write('{"images": [')
    with pytest.raises(ValueError, match="broken.json"):
        dskit.balance(broken)
    empty = tmp_path / "emptyds"
    os.makedirs(empty / "a")
    with pytest.raises(ValueError, match="emptyds: empty dataset"):
        dskit.balance(str(empty))
    touch(str(tmp_path / "ok" / "a" / "1.jpg"))
    with pytest.raises(ValueError, match="unknown weights method"):
        dskit.balance(str(tmp_path / "ok"), weights="nope")
    with pytest.raises(ValueError, match="needs two inputs or by"):
        dskit.balance(str(tmp_path / "ok"), fail_if="tvd>0.1")
    with pytest.raises(ValueError, match="by=COLUMN needs a manifest"):
        dskit.balance(str(tmp_path / "ok"), by="split")
