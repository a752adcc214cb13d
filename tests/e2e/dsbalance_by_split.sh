# dsbalance --by split: splits in the split manifest's order (train, val, test, then the others as first
# seen), gates that name the split that tripped with the figure as the table prints it, the gate results in
# the JSON (checked against Python's own count of each split), `missing` in the JSON equal to the warnings,
# and --plot drawing one PNG per split beside PLOT (a hostile split name stays one file name there).
. "$(dirname "$0")/lib.sh"

for c in a:9 b:6 c:3 d:2; do
  mkdir -p "ds/${c%%:*}"
  for i in $(seq 1 "${c##*:}"); do echo "${c%%:*} $i" > "ds/${c%%:*}/$i.jpg"; done
done
dsmanifest build ds -o m.tsv 2> /dev/null
# The split column by row (rows sorted by path: a1..a9, b1..b6, c1..c3, d1, d2): "zeta" seen before "alpha",
# test before train, and val holding only a and b.
python3 - << 'EOF'
rows = open("m.tsv").read().splitlines()
splits = ["zeta", "zeta", "test", "test", "train", "train", "train", "train", "val"] + \
         ["alpha", "test", "train", "train", "val", "val"] + ["zeta", "train", "alpha"] + ["test", "train"]
assert len(rows) - 2 == len(splits) == 20
with open("split.tsv", "w") as f:
    f.write(rows[0] + "\n" + rows[1] + "\tsplit\n")
    for r, s in zip(rows[2:], splits):
        f.write(r + "\t" + s + "\n")
EOF

# ---- Order: train, val, test, then zeta and alpha as first seen (not alphabetical), in the JSON and the table.
dsbalance --by split --json split.tsv > s.json 2> warn.txt
python3 -c '
import json
d = json.load(open("s.json"))["splits"]
assert [s["name"] for s in d["per_split"]] == ["train", "val", "test", "zeta", "alpha"], d
assert d["reference"] == "train", d'
dsbalance --by split split.tsv 2> /dev/null | grep -E '^class +train +val +test +zeta +alpha$' > /dev/null ||
  fail "table columns not in train, val, test, zeta, alpha order: $(dsbalance --by split split.tsv 2>&1)"

# ---- missing: the JSON's per-split lists are the warnings, and missing_classes their union's size.
python3 - << 'EOF'
import json, re
d = json.load(open("s.json"))["splits"]
warned = {}
for line in open("warn.txt"):
    m = re.fullmatch(r"dsbalance: warning: (\S+): no entry of class(?:es)? (.*)\n", line)
    assert m, line
    warned[m.group(1)] = m.group(2).split(", ")
listed = {s["name"]: s["missing"] for s in d["per_split"] if s["missing"]}
assert warned == listed, (warned, listed)
assert d["missing_classes"] == len({c for v in listed.values() for c in v}), d
assert listed["val"] == ["c", "d"], listed
EOF

# ---- Gates: per split, named, rounded as the table prints; the JSON's gates against Python's counts.
set +e
dsbalance --by split --json --fail-if 'imbalance_ratio>1.5' --fail-if 'tvd>0.3' --fail-if 'missing_classes>1' \
  split.tsv > g.json 2> g.txt
rc=$?
set -e
expect_eq "gates exit" 4 "$rc"
python3 - << 'EOF'
import collections, json, math, re
rows = [l.split("\t") for l in open("split.tsv").read().splitlines()[2:]]
cols = open("split.tsv").read().splitlines()[1].split("\t")
L, S = cols.index("label"), cols.index("split")
per = collections.defaultdict(collections.Counter)
for r in rows:
    per[r[S]][r[L]] += 1
whole = collections.Counter(r[L] for r in rows)
classes = sorted(whole)
ir = lambda c: round(max(c.values()) / min(v for v in c.values() if v), 2)
def tvd(p, q):
    tp, tq = sum(p.values()), sum(q.values())
    return round(sum(abs(p[k] / tp - q[k] / tq) for k in classes) / 2, 4)
want = [("imbalance_ratio>1.5", None, ir(whole))]
order = ["train", "val", "test", "zeta", "alpha"]
want += [("imbalance_ratio>1.5", s, ir(per[s])) for s in order]
want += [("tvd>0.3", s, tvd(per[s], per["train"])) for s in order[1:]]
want += [("missing_classes>1", s, sum(1 for k in classes if per[s][k] == 0)) for s in order]
got = json.load(open("g.json"))["gates"]
assert [(g["expr"], g["split"]) for g in got] == [(e, s) for e, s, _ in want], got
for g, (e, s, v) in zip(got, want):
    assert math.isclose(g["value"], v, abs_tol=1e-12), (g, v)
    thr = float(re.split(r"[<>=!]+", e)[1])
    assert g["passed"] == (not v > thr), (g, v)
# stderr: exactly the failed ones, "SPLIT: metric FIGURE > THRESHOLD", the figure with the table's decimals.
dec = {"imbalance_ratio": 2, "tvd": 4, "missing_classes": 0}
lines = [l.rstrip("\n") for l in open("g.txt") if "gate tripped" in l]
expect = []
for g, (e, s, v) in zip(got, want):
    if not g["passed"]:
        m, t = re.split(r">", e)
        expect.append("dsbalance: gate tripped: " + (s + ": " if s else "") + f"{m} {v:.{dec[m]}f} > {t}")
assert lines == expect, (lines, expect)
assert any(l.startswith("dsbalance: gate tripped: val: ") for l in lines), lines
EOF
# No --fail-if: no gates member.
python3 -c 'import json; assert "gates" not in json.load(open("s.json"))'

# ---- --plot: PLOT for the whole dataset, PLOT with ".SPLIT" before its extension for each split.
dsbalance --by split --plot counts.png split.tsv > /dev/null 2> /dev/null
for s in "" .train .val .test .zeta .alpha; do
  [ "$(head -c 8 "counts$s.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "counts$s.png is not a PNG"
done
expect_eq "plot files" 6 "$(ls counts*.png | wc -l)"
# A hostile split name: one file name beside PLOT, nothing written outside.
mkdir -p out
sed 's/\tzeta$/\t..\/..\/evil/' split.tsv > hostile.tsv
dsbalance --by split --plot out/c.png hostile.tsv > /dev/null 2> /dev/null
[ -f out/c.______evil.png ] || fail "hostile split plot: $(ls out)"
[ ! -e evil.png ] && [ ! -e ../evil.png ] && [ -z "$(find "$T" -name '*evil*' ! -path "$T/out/*")" ] ||
  fail "a plot was written outside out/"
# Two splits whose names give the same file: a usage error before any chart is drawn.
sed 's/\tzeta$/\ta b/; s/\talpha$/\ta_b/' split.tsv > clash.tsv
err_is "--plot name clash" 2 "two splits give the same file name out/k.a_b.png" dsbalance --by split --plot out/k.png clash.tsv
[ -z "$(ls out/k* 2> /dev/null)" ] || fail "charts drawn before the clash was found: $(ls out)"
echo OK
