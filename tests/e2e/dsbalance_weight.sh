# The `weight` column (man/dskit-manifest.5): dsbalance sums it per class (repeat x weight per row, the share
# of the draws of a sampler that samples by weight), checked against Python's sums of the TSV; after
# --sample-weights the classes are even by weight (the loop closes); dsmanifest stats reports its total;
# malformed cells are errors naming file:line; orders (shuffle, shard) do not use it.
. "$(dirname "$0")/lib.sh"

for c in a:12 b:5 c:2; do
  mkdir -p "ds/${c%%:*}"
  for i in $(seq 1 "${c##*:}"); do echo "${c%%:*} $i" > "ds/${c%%:*}/$i.jpg"; done
done
dsmanifest build ds -o m.tsv 2> /dev/null

# weighted_oracle FILE: {"class": sum of repeat x weight} from the TSV, as JSON.
weighted_oracle() {
  python3 - "$1" << 'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
cols = lines[1].split("\t")
sums = {}
for l in lines[2:]:
    c = dict(zip(cols, l.split("\t")))
    sums[c["label"]] = sums.get(c["label"], 0.0) + int(c.get("repeat", "1")) * float(c["weight"])
print(json.dumps(sums))
EOF
}
# check_weighted FILE: dsbalance --json's "weighted" equals the oracle; shares sum to 1.
check_weighted() {
  dsbalance --json "$1" > w.json
  weighted_oracle "$1" > oracle.json
  python3 - << 'EOF'
import json, math
d = json.load(open("w.json"))["weighted"]
want = json.load(open("oracle.json"))
got = {c["name"]: c["weight"] for c in d["classes"]}
assert got.keys() == want.keys(), (got, want)
assert all(math.isclose(got[k], want[k], rel_tol=1e-12) for k in want), (got, want)
assert math.isclose(d["total"], sum(want.values()), rel_tol=1e-12), d
for c in d["classes"]:
    assert abs(c["share"] - want[c["name"]] / sum(want.values())) < 1e-6, c
EOF
}

# ---- No weight column: no "weighted" member, no weight line.
dsbalance --json m.tsv | python3 -c 'import json, sys; assert "weighted" not in json.load(sys.stdin)'
dsmanifest stats m.tsv | grep -q '^weight' && fail "stats printed a weight line without the column"

# ---- --sample-weights (balanced): each class gets the same weight in total, 1/3 of the draws.
dsbalance --sample-weights -o w.tsv m.tsv
check_weighted w.tsv
dsbalance --json w.tsv | python3 -c '
import json, sys
d = json.load(sys.stdin)["weighted"]
assert [c["name"] for c in d["classes"]] == ["a", "b", "c"], d
assert all(abs(c["share"] - 1 / 3) < 1e-5 for c in d["classes"]), d'
dsbalance w.tsv | grep -A4 '^by weight' | grep -qE '^a +[0-9.]+ +33\.33%$' || fail "weighted table: $(dsbalance w.tsv)"

# ---- With a repeat column (resampled) and hand-written weights, zeros included: repeat x weight.
dsbalance --resample --target 6 --seed 3 -o r.tsv m.tsv > /dev/null
python3 - << 'EOF'
lines = open("r.tsv").read().splitlines()
out = [lines[0], lines[1] + "\tweight"]
for i, l in enumerate(lines[2:]):
    out.append(l + "\t" + ["0.5", "2", "0", "1e-3", "3.25"][i % 5])
open("rw.tsv", "w").write("\n".join(out) + "\n")
EOF
check_weighted rw.tsv
# stats: the total over the samples and the rows at 0.
dsmanifest stats --json rw.tsv > st.json
python3 - << 'EOF'
import json, math
lines = open("rw.tsv").read().splitlines()
cols = lines[1].split("\t")
rows = [dict(zip(cols, l.split("\t"))) for l in lines[2:]]
w = json.load(open("st.json"))["weight"]
assert math.isclose(w["total"], sum(int(r["repeat"]) * float(r["weight"]) for r in rows), rel_tol=1e-12), w
assert w["zero_rows"] == sum(1 for r in rows if float(r["weight"]) == 0), w
EOF
dsmanifest stats rw.tsv | grep -qE '^weight	[0-9.e+]+ over the samples, [0-9]+ rows at 0' || fail "stats text: $(dsmanifest stats rw.tsv)"

# ---- Orders do not use it: the same permutation with and without the column.
dsmanifest shuffle --seed 9 --indices m.tsv > o1.txt
dsmanifest shuffle --seed 9 --indices w.tsv > o2.txt
expect_same_file "shuffle ignores weight" o1.txt o2.txt

# ---- Malformed cells: exit 2, FILE:LINE, for dsbalance and stats; nothing else printed on stdout.
for bad in -1 nan inf abc '' 1,5 0x10; do
  python3 - "$bad" << 'EOF'
import sys
lines = open("w.tsv").read().splitlines()
cells = lines[3].split("\t")
cells[-1] = sys.argv[1]
lines[3] = "\t".join(cells)
open("bad.tsv", "w").write("\n".join(lines) + "\n")
EOF
  err_is "dsbalance weight '$bad'" 2 "^dsbalance: bad.tsv:4: weight: not a finite number >= 0" dsbalance bad.tsv
  [ ! -s out.txt ] || fail "dsbalance printed a report for weight '$bad'"
  err_is "stats weight '$bad'" 2 "^dsmanifest: bad.tsv:4: weight: not a finite number >= 0" dsmanifest stats bad.tsv
done
echo OK
