# dsbalance drift gates (tvd, jsd, missing_classes with two inputs or --by) and the two-input form's
# actions: --weights, --sample-weights and --resample act on the first (train) input alone and say so.
. "$(dirname "$0")/lib.sh"

mk() {  # mk DIR class:count...
  local d=$1; shift
  for c in "$@"; do
    mkdir -p "$d/${c%%:*}"
    for i in $(seq 1 "${c##*:}"); do : > "$d/${c%%:*}/$i.jpg"; done
  done
}
mk tr a:60 b:30 c:10
mk va a:5 b:5
dsmanifest build --hash none tr -o train.tsv
dsmanifest build --hash none va -o val.tsv

# train (0.6, 0.3, 0.1) against val (0.5, 0.5, 0): TVD = (0.1 + 0.2 + 0.1) / 2 = 0.2.
expect_rc "tvd>0.1 trips" 4 dsbalance train.tsv val.tsv --fail-if 'tvd>0.1' > /dev/null 2> e.txt
grep -qx "dsbalance: gate tripped: val: tvd 0.2000 > 0.1" e.txt || fail "tvd reason: $(cat e.txt)"
expect_rc "tvd>0.25 holds" 0 dsbalance train.tsv val.tsv --fail-if 'tvd>0.25'
expect_rc "jsd>0.05 holds" 0 dsbalance train.tsv val.tsv --fail-if 'jsd>0.05' > /dev/null 2> /dev/null
jsd=$(python3 -c '
import math
p, q = [0.6, 0.3, 0.1], [0.5, 0.5, 0]
m = [(a + b) / 2 for a, b in zip(p, q)]
kl = lambda a: sum(x * math.log(x / y) for x, y in zip(a, m) if x > 0)
print((kl(p) + kl(q)) / 2)')
dsbalance --json train.tsv val.tsv 2> /dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)["splits"]["per_split"][1]
assert abs(v["jsd"] - '"$jsd"') < 1e-12, v'
expect_rc "jsd>0.04 trips" 4 dsbalance train.tsv val.tsv --fail-if 'jsd>0.04' > /dev/null 2> e.txt
grep -qx "dsbalance: gate tripped: val: jsd 0.0495[0-9]* > 0.04" e.txt || fail "jsd reason: $(cat e.txt)"
expect_rc "missing_classes>0 trips" 4 dsbalance train.tsv val.tsv --fail-if 'missing_classes>0' > /dev/null 2> e.txt
grep -qx "dsbalance: gate tripped: val: missing_classes 1 > 0" e.txt || fail "missing_classes reason: $(cat e.txt)"
expect_rc "missing_classes==1 with two gates" 4 dsbalance train.tsv val.tsv --fail-if 'missing_classes>=1' \
  --fail-if 'imbalance_ratio>2' > /dev/null 2> e.txt
# missing_classes trips on val (train has every class); imbalance_ratio on the whole (6.5) and train (6), not val (1).
expect_eq "both gates reported" "val: missing_classes
imbalance_ratio
train: imbalance_ratio" "$(sed -n 's/^dsbalance: gate tripped: \(.*\) [0-9.]* >=* [0-9]*$/\1/p' e.txt)"
# --by: the largest drift over the non-reference splits.
dsmanifest build --hash none tr -o all.tsv
dsmanifest split --ratios 0.5,0.5 all.tsv -o split.tsv
expect_rc "--by split, tvd>0.9 holds" 0 dsbalance --by split split.tsv --fail-if 'tvd>0.9' > /dev/null 2> /dev/null
expect_rc "--by split, tvd>=0 trips" 4 dsbalance --by split split.tsv --fail-if 'tvd>=0' > /dev/null 2> /dev/null
# A drift gate without splits is a usage error, before any output.
expect_rc "tvd without splits" 2 dsbalance train.tsv --fail-if 'tvd>0.1' > out.txt 2> e.txt
grep -q "tvd needs two inputs or --by" e.txt || fail "drift gate usage: $(cat e.txt)"
[ ! -s out.txt ] || fail "output printed before the usage error"

# ---- Two inputs: weights of the first input alone (balanced: 100 / (3 n_c)), with a note on stderr.
dsbalance --weights balanced --weights-format json train.tsv val.tsv > w.json 2> e.txt
grep -q "note: --weights acts on the first input, train.tsv, alone; val.tsv is only compared" e.txt ||
  fail "weights note: $(cat e.txt)"
python3 -c '
import json
d = json.load(open("w.json"))
n = {"a": 60, "b": 30, "c": 10}
assert d["classes"] == ["a", "b", "c"], d
assert all(abs(w - 100 / (3 * n[c])) < 1e-6 for c, w in zip(d["classes"], d["weights"])), d'
# --sample-weights writes the first input with weights of its own distribution.
dsbalance --sample-weights train.tsv val.tsv -o sw.tsv 2> e.txt > /dev/null
grep -q "note: --sample-weights acts on the first input" e.txt || fail "sample-weights note: $(cat e.txt)"
python3 -c '
rows = open("sw.tsv").read().splitlines()
cols = rows[1].split("\t")
w = {}
for r in rows[2:]:
    c = dict(zip(cols, r.split("\t")))
    w.setdefault(c["label"], set()).add(round(float(c["weight"]), 4))
n = {"a": 60, "b": 30, "c": 10}
assert len(rows) - 2 == 100, len(rows)
assert w == {k: {round(100 / (3 * v), 4)} for k, v in n.items()}, w'
# --resample: the first input resampled, the second unchanged.
cp val.tsv val.before
dsbalance --resample --max-per-class 20 --json train.tsv val.tsv -o rs.tsv > rs.json 2> e.txt
grep -q "note: --resample acts on the first input, train.tsv, alone" e.txt || fail "resample note: $(cat e.txt)"
python3 -c '
import json
d = json.load(open("rs.json"))
assert {c["name"]: (c["before"], c["achieved"]) for c in d["classes"]} == {"a": (60, 20), "b": (30, 20), "c": (10, 10)}, d
assert d["rows_before"] == 100 and d["rows_after"] == 50, d'
expect_same_file "val unchanged" val.before val.tsv
# A second input that is not a manifest is fine (only the first is written).
dsbalance --resample --max-per-class 20 train.tsv va -o rs2.tsv > /dev/null 2> /dev/null
expect_eq "resample rows with an ImageFolder val" 52 "$(wc -l < rs2.tsv)"
# The first input must be a manifest.
expect_rc "resample an ImageFolder first input" 2 dsbalance --resample --max-per-class 5 tr train.tsv -o x.tsv 2> /dev/null
[ ! -e x.tsv ] || fail "x.tsv written"
# A broken second input fails before anything is written.
printf '{"images": [' > broken.json
expect_rc "broken second input" 2 dsbalance --sample-weights train.tsv broken.json -o y.tsv 2> e.txt
grep -q "broken.json: invalid COCO JSON" e.txt || fail "second input error: $(cat e.txt)"
[ ! -e y.tsv ] || fail "y.tsv written"
echo OK
