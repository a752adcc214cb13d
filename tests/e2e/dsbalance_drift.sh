# dsbalance --by split and the two-input form: per-split counts and shares, missing classes, TVD and JSD
# against train, compared with an independent python3 computation; and --plot's PNG.
. "$(dirname "$0")/lib.sh"

make_longtail ds 6 400 0.3
dsmanifest build --hash none ds -o all.tsv
dsmanifest split --ratios 0.8,0.2 all.tsv -o split.tsv
dsbalance --by split --json split.tsv > drift.json

# The oracle: per-split counts from the manifest's columns, TVD and JSD (natural log) against train.
check_drift() {  # check_drift JSON_FILE SPLIT_OF_ROW... given as a python expression over the manifest
  python3 - "$@" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
splits = {}
for path in sys.argv[2:]:
    name, rows = path.split("=", 1)
    counts = splits.setdefault(name, {})
    for line in open(rows).read().splitlines()[2:]:
        cells = line.split("\t")
        cols = open(rows).read().splitlines()[1].split("\t")
        row = dict(zip(cols, cells))
        if "split" in row and row["split"] != name:
            continue
        counts[row["label"]] = counts.get(row["label"], 0) + 1
classes = sorted(set(c for s in splits.values() for c in s))
s = d["splits"]
assert s["classes"] == classes, (s["classes"], classes)
assert s["reference"] == "train", s
ref = [splits["train"].get(c, 0) / sum(splits["train"].values()) for c in classes]
names = [x["name"] for x in s["per_split"]]
assert names[0] == "train" and sorted(names) == sorted(splits), names
for x in s["per_split"]:
    n = [splits[x["name"]].get(c, 0) for c in classes]
    assert [c["count"] for c in x["classes"]] == n, (x["name"], x["classes"], n)
    assert x["total"] == sum(n)
    q = [v / sum(n) for v in n]
    assert all(abs(c["share"] - v) < 1e-12 for c, v in zip(x["classes"], q))
    tvd = sum(abs(a - b) for a, b in zip(ref, q)) / 2
    def kl(a, m): return sum(x * math.log(x / y) for x, y in zip(a, m) if x > 0)
    m = [(a + b) / 2 for a, b in zip(ref, q)]
    jsd = (kl(ref, m) + kl(q, m)) / 2
    assert abs(x["tvd"] - tvd) < 1e-12 and abs(x["jsd"] - jsd) < 1e-12, (x["name"], x["tvd"], tvd, x["jsd"], jsd)
    assert x["missing"] == [c for c, v in zip(classes, n) if v == 0], x
    want = [c for c, v in zip(classes, n) if v > 0 and splits["train"].get(c, 0) == 0]
    assert x["not_in_reference"] == want, x
PY
}
check_drift drift.json train=split.tsv val=split.tsv
python3 -c '
import json
d = json.load(open("drift.json"))
assert d["total"] == sum(c["count"] for c in d["classes"]) and d["splits"]["by"] == "split", d'

# The table names the reference and prints tvd/jsd rows.
dsbalance --by split split.tsv > table.txt
grep -qE '^splits \(by split; reference train' table.txt || fail "drift table: $(cat table.txt)"
grep -qE '^tvd +- +[0-9.]+$' table.txt || fail "tvd row: $(cat table.txt)"

# Two inputs: the split names are the file stems; a class of val missing from train is reported.
dsmanifest split --ratios 0.8,0.2 all.tsv --out-dir parts
mv parts/train.tsv parts/mytrain.tsv
dsbalance --json parts/mytrain.tsv parts/val.tsv > two.json
python3 -c '
import json
d = json.load(open("two.json"))["splits"]
assert d["by"] == "inputs" and d["reference"] == "mytrain", d
assert [x["name"] for x in d["per_split"]] == ["mytrain", "val"], d
assert d["per_split"][1]["input"] == "parts/val.tsv", d'
# A val with a class train lacks: a warning naming it, exit 0, and not_in_reference in the JSON.
{ head -2 parts/val.tsv; printf 'new/1.jpg\t0\t0\t0\tnewclass\n'; tail -n +3 parts/val.tsv; } > val2.tsv
dsbalance --json parts/mytrain.tsv val2.tsv > three.json 2> warn.txt
grep -qx "dsbalance: warning: mytrain: no entry of class newclass" warn.txt || fail "missing-from-train warning: $(cat warn.txt)"
python3 -c '
import json
d = json.load(open("three.json"))["splits"]
assert d["per_split"][1]["not_in_reference"] == ["newclass"], d
assert d["per_split"][0]["missing"] == ["newclass"], d'
dsbalance parts/mytrain.tsv val2.tsv 2> /dev/null | grep -q "val2: classes MISSING FROM mytrain: newclass" ||
  fail "table does not report the class missing from train"

# Two ImageFolder trees.
mkdir -p tr/a tr/b va/a va/c && : > tr/a/1 && : > tr/a/2 && : > tr/b/1 && : > va/a/1 && : > va/c/1
dsbalance --json tr va > if.json 2> /dev/null
python3 -c '
import json, math
d = json.load(open("if.json"))["splits"]
v = d["per_split"][1]
assert d["classes"] == ["a", "b", "c"] and v["name"] == "va", d
assert abs(v["tvd"] - 0.5) < 1e-12, v  # (2/3,1/3,0) vs (1/2,0,1/2)
m = [7/12, 1/6, 1/4]
jsd = (2/3*math.log(2/3/m[0]) + 1/3*math.log(1/3/m[1]) + 1/2*math.log(1/2/m[0]) + 1/2*math.log(1/2/m[2])) / 2
assert abs(v["jsd"] - jsd) < 1e-12, (v, jsd)'

# Usage errors.
expect_rc "--by on a directory" 2 dsbalance --by split ds 2> /dev/null
expect_rc "--by without the column" 2 dsbalance --by fold split.tsv 2> /dev/null
expect_rc "--by and two inputs" 2 dsbalance --by split split.tsv parts/val.tsv 2> /dev/null

# --plot: a PNG of a few kB, linear and log differ; a bad scale is a usage error.
dsbalance --plot lin.png ds > /dev/null
dsbalance --plot log.png --plot-scale log ds > /dev/null
python3 -c '
import struct
for f in ("lin.png", "log.png"):
    b = open(f, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", f
    w, h = struct.unpack(">II", b[16:24])
    assert w == 1200 and h >= 300, (f, w, h)
    assert len(b) > 5000, (f, len(b))'
cmp -s lin.png log.png && fail "log and linear plots are identical"
expect_rc "--plot-scale sqrt" 2 dsbalance --plot x.png --plot-scale sqrt ds 2> /dev/null
expect_rc "--plot into a missing directory" 2 dsbalance --plot no/such/x.png ds 2> /dev/null
[ ! -e x.png ] || fail "x.png written despite the usage error"
echo OK
