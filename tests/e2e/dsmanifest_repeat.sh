# The rebalancing loop closed: dsbalance --resample writes a repeat column, and every consumer honours it.
# shuffle and shard order the expanded sequence (row i repeat_i times), dsbalance counts each row repeat
# times, stats reports the samples; a re-read of shuffle's output does not expand twice.
. "$(dirname "$0")/lib.sh"

# An imbalanced tree: 40 cats, 9 dogs, 3 eels.
for c in cat dog eel; do mkdir -p "tree/$c"; done
for i in $(seq 1 40); do echo "cat $i" > "tree/cat/$i.png"; done
for i in $(seq 1 9); do echo "dog $i" > "tree/dog/$i.png"; done
for i in 1 2 3; do echo "eel $i" > "tree/eel/$i.png"; done
dsmanifest build tree -o m.tsv --label-regex '^([^/]+)/' 2> /dev/null
dsbalance m.tsv --resample --target 20 --seed 3 -o bal.tsv > /dev/null
head -2 bal.tsv | tail -1 | grep -q $'\trepeat$' || fail "no repeat column in the resampled manifest"

# The repeat cells, per row in manifest order, and their sum.
awk -F'\t' 'NR==2 {for (i=1;i<=NF;i++) if ($i=="repeat") c=i} NR>2 {print $c}' bal.tsv > repeats.txt
rows=$(wc -l < repeats.txt)
total=$(awk '{s+=$1} END {print s}' repeats.txt)
expect_eq "samples after resampling" 60 "$total"
grep -qv '^1$' repeats.txt || fail "the resampling repeated no row (the test would prove nothing)"

# How often each row number appears in an --indices listing, as one line per manifest row.
counts_of() { awk -v n="$rows" '{c[$1]++} END {for (i=0;i<n;i++) print c[i]+0}' "$1"; }

# shuffle: every row exactly repeat times, reproducible, and another epoch another order.
dsmanifest shuffle bal.tsv --seed 11 --epoch 2 --indices > s1.txt
dsmanifest shuffle bal.tsv --seed 11 --epoch 2 --indices > s2.txt
expect_same_file "shuffle is reproducible" s1.txt s2.txt
expect_eq "shuffle length" "$total" "$(wc -l < s1.txt)"
counts_of s1.txt > c1.txt
expect_same_file "shuffle: each row repeat times" repeats.txt c1.txt
dsmanifest shuffle bal.tsv --seed 11 --epoch 3 --indices > s3.txt
cmp -s s1.txt s3.txt && fail "epochs 2 and 3 have the same order"
for mode in "--shard-local --partitions 7" "--block 4 --window 2"; do
  # shellcheck disable=SC2086
  dsmanifest shuffle bal.tsv --seed 5 $mode --indices > sm.txt
  counts_of sm.txt > cm.txt
  expect_same_file "shuffle $mode: each row repeat times" repeats.txt cm.txt
done

# The manifest output: one row per sample, in the order of --indices, with repeat set to 1.
dsmanifest shuffle bal.tsv --seed 11 --epoch 2 -o shuffled.tsv
expect_eq "shuffled rows" "$total" "$(($(wc -l < shuffled.tsv) - 2))"
awk -F'\t' 'NR>2 {print $1}' bal.tsv > paths.txt
awk 'NR==FNR {p[NR-1]=$0; next} {print p[$1]}' paths.txt s1.txt > want_paths.txt
awk -F'\t' 'NR>2 {print $1}' shuffled.tsv > got_paths.txt
expect_same_file "shuffle manifest follows --indices" want_paths.txt got_paths.txt
expect_eq "repeat cells of the output" "1" "$(awk -F'\t' 'NR>2 {print $NF}' shuffled.tsv | sort -u)"
# Reading the output again does not expand twice.
expect_eq "re-shuffled rows" "$total" "$(dsmanifest shuffle shuffled.tsv --seed 1 --indices | wc -l)"

# shard: the union of the ranks' shares (in rank order) is the shuffle, for any world size.
for world in 1 4 7; do
  : > union.txt
  for rank in $(seq 0 $((world - 1))); do
    dsmanifest shard bal.tsv --rank "$rank" --world "$world" --seed 11 --epoch 2 --indices >> union.txt
  done
  expect_same_file "shard world $world: the ranks' union is the shuffle" s1.txt union.txt
done
# Without --seed: the expanded manifest order.
dsmanifest shard bal.tsv --rank 0 --world 1 --indices > plain.txt
awk '{for (k=0;k<$1;k++) print NR-1}' repeats.txt > want_plain.txt
expect_same_file "shard without a seed: the expanded order" want_plain.txt plain.txt
# --pad: every rank ceil(total/world), is_pad marks the repeats; repeat set to 1.
dsmanifest shard bal.tsv --rank 6 --world 7 --pad --seed 11 -o padded.tsv
expect_eq "padded share" $(((total + 6) / 7)) "$(($(wc -l < padded.tsv) - 2))"
expect_eq "repeat cells of a share" "1" "$(awk -F'\t' 'NR==2 {for (i=1;i<=NF;i++) if ($i=="repeat") c=i} NR>2 {print $c}' padded.tsv | sort -u)"

# dsbalance counts each row repeat times: the report after --resample shows the rebalanced counts.
dsbalance bal.tsv --json > bal.json
python3 - <<'PY'
import json
want = {}
lines = open("bal.tsv").read().split("\n")[1:-1]
cols = lines[0].split("\t")
for r in lines[1:]:
    f = r.split("\t")
    want[f[cols.index("label")]] = want.get(f[cols.index("label")], 0) + int(f[cols.index("repeat")])
doc = json.load(open("bal.json"))
def find(o):
    if isinstance(o, dict):
        if "classes" in o and isinstance(o["classes"], list):
            return o["classes"]
        for v in o.values():
            r = find(v)
            if r is not None:
                return r
got = {c.get("name", c.get("label")): c["count"] for c in find(doc)}
assert got == want == {"cat": 20, "dog": 20, "eel": 20}, (got, want)
PY
dsbalance bal.tsv | grep -Eq '^total +60$' || fail "dsbalance total is not the expanded count"
# --by split counts repeats too.
dsmanifest split bal.tsv --ratios 0.5,0.5 -o bsplit.tsv
dsbalance bsplit.tsv --by split | grep -Eq '^total +60$' || fail "dsbalance --by split total"

# stats: the samples after repeat, in text and JSON; none without the column.
dsmanifest stats bal.tsv | grep -qx $'samples\t60 (repeat column)' || fail "stats: no samples line"
dsmanifest stats bal.tsv --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["samples"]==60 and d["entries"]=='"$rows"', d'
dsmanifest stats m.tsv | grep -q '^samples' && fail "stats: a samples line without a repeat column"
dsmanifest stats m.tsv --json | python3 -c 'import json,sys; assert "samples" not in json.load(sys.stdin)'

# A bad repeat cell is an input error naming the line, for every consumer.
awk -F'\t' 'BEGIN{OFS="\t"} NR==4 {$NF="x"} {print}' bal.tsv > bad.tsv
err_is "shuffle: bad repeat" 2 "bad.tsv:4: repeat" dsmanifest shuffle bad.tsv --seed 1
err_is "shard: bad repeat" 2 "bad.tsv:4: repeat" dsmanifest shard bad.tsv --rank 0 --world 2
err_is "stats: bad repeat" 2 "bad.tsv:4: repeat" dsmanifest stats bad.tsv
err_is "dsbalance: bad repeat" 2 "bad.tsv:4: repeat" dsbalance bad.tsv
echo ok
