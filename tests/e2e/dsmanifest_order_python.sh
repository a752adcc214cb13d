# dsmanifest shuffle, shard and split against the Python reference in docs/shuffle.md (extracted from the
# page, so the documented code is the tested code), on a generated manifest with awkward names.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"

# A Python with the xxhash module if there is one; the reference falls back to `xxhsum -H3` otherwise.
PY=python3
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import xxhash' 2>/dev/null; then PY=$p; break; fi
done
awk '/^```python$/ {on=1; next} /^```$/ {on=0} on' "$DSKIT_SRC/docs/shuffle.md" > ref.py
[ -s ref.py ] || fail "no Python reference found in docs/shuffle.md"

# The manifest: 2357 rows, five imbalanced labels, patients with several files, escaped names.
"$PY" - <<'PYEOF'
import random
rnd = random.Random(4)
rows = []
for i in range(2357):
    label = rnd.choices(["cat", "dog", "eel", "fox", "gnu"], [50, 30, 15, 4, 1])[0]
    name = f"img{i}.png"
    if i % 97 == 0: name = f"odd\\tname{i}.png"     # an escaped tab
    if i % 131 == 0: name = f"caf\\xe9{i}.png"      # a non-UTF-8 byte
    rows.append(f"{label}/p{rnd.randrange(400)}/{name}\t{rnd.randrange(10**6)}\t{1700000000000000000 + i}\t{label}\n")
with open("m.tsv", "w") as f:
    f.write("#dskit-manifest v1\troot=/data/set\thash=none\n")
    f.write("path\tsize\tmtime_ns\tlabel\n")
    f.writelines(rows)
# The same rows with a repeat column (as dsbalance --resample writes it): 0 to 4 samples per row.
with open("r.tsv", "w") as f:
    f.write("#dskit-manifest v1\troot=/data/set\thash=none\n")
    f.write("path\tsize\tmtime_ns\tlabel\trepeat\n")
    f.writelines(r[:-1] + f"\t{rnd.choice([0, 1, 1, 2, 4])}\n" for r in rows)
with open("empty.tsv", "w") as f:
    f.write("#dskit-manifest v1\troot=/data/set\thash=none\npath\tsize\tmtime_ns\tlabel\n")
PYEOF

# And a manifest that `dsmanifest build` wrote for a real tree (hash and ino columns, awkward names).
for c in ant bee cow; do mkdir -p "tree/$c"; done
for i in $(seq 0 299); do
  c=$(echo ant bee cow | cut -d' ' -f$((i % 3 + 1)))
  echo "$i" > "tree/$c/p$((i / 6))_$i.png"
done
printf x > "tree/ant/with"$'\t'"tab.png"
printf x > "tree/bee/with"$'\n'"newline.png"
printf x > "tree/cow/latin1-"$'\xe9'".png"
dsmanifest build tree -o built.tsv

# Expected outputs, one file per case; cases.txt lists "NAME<TAB>ARGUMENTS".
mkdir exp out
"$PY" - <<'PYEOF'
import subprocess
exec(open("ref.py").read())
try:
    import xxhash
    hash64 = xxhash.xxh3_64_intdigest
except ImportError:
    def hash64(b):
        out = subprocess.run(["xxhsum", "-H3", "-"], input=b, capture_output=True, check=True).stdout
        return int(out.split()[-1], 16)

def unescape(s):
    out, i = bytearray(), 0
    b = s.encode()
    while i < len(b):
        if b[i] == 0x5C:
            c = chr(b[i + 1])
            if c == "x":
                out.append(int(b[i + 2:i + 4], 16)); i += 4; continue
            out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}[c]
            i += 2
        else:
            out.append(b[i]); i += 1
    return bytes(out)

def load(name):
    lines = open(name, encoding="utf-8", newline="\n").read().split("\n")[:-1]
    return lines[0], lines[1], lines[2:]

cases = []
def case(name, args, text):
    cases.append(f"{name}\t{args}\n")
    with open(f"exp/{name}", "w", encoding="utf-8", newline="\n") as f:
        f.write(text)

for src in ["m.tsv", "empty.tsv", "built.tsv", "r.tsv"]:
    meta, header, rows = load(src)
    tag = src.split(".")[0]
    # shuffle and shard order the expanded sequence (row i repeat_i times) and write one row per sample
    # with repeat set to 1; without the column the expansion is the identity.
    cols = header.split("\t")
    if "repeat" in cols:
        rc = cols.index("repeat")
        seq = expand([int(r.split("\t")[rc]) for r in rows])
        unit = ["\t".join(f if i != rc else "1" for i, f in enumerate(r.split("\t"))) for r in rows]
    else:
        seq, unit = list(range(len(rows))), rows
    n = len(seq)
    modes = [("global", "", {}), ("shard-local", "--shard-local --partitions 16", {"partitions": 16}),
             ("shard-local-default", "--shard-local", {}),
             ("block", "--block 10 --window 4", {"block": 10, "window": 4}),
             ("block1", "--block 64", {"block": 64})]
    for seed, epoch in [(0, 0), (42, 7), (2**64 - 1, 3)]:
        for mname, margs, kw in modes:
            mode = "block" if mname.startswith("block") else "shard-local" if mname.startswith("shard") else "global"
            order = [seq[p] for p in epoch_order(n, seed, epoch, mode, **kw)]
            a = f"shuffle {src} --seed {seed} --epoch {epoch} {margs}"
            case(f"{tag}-shuffle-{mname}-{seed}-{epoch}", a, meta + "\n" + header + "\n" + "".join(unit[r] + "\n" for r in order))
            case(f"{tag}-shuffle-idx-{mname}-{seed}-{epoch}", a + " --indices", "".join(f"{r}\n" for r in order))
    for world in [1, 3, 8, 17]:
        for tail in ["uneven", "drop-last", "pad"]:
            for seeded in [False, True]:
                order = [seq[p] for p in (epoch_order(n, 5, 2, "shard-local", partitions=64) if seeded else range(n))]
                sargs = "--seed 5 --epoch 2 --shard-local --partitions 64" if seeded else ""
                targs = "" if tail == "uneven" else f"--{tail}"
                for rank in range(world):
                    share = shard(order, rank, world, tail)
                    a = f"shard {src} --rank {rank} --world {world} {targs} {sargs}"
                    if tail == "pad":
                        text = meta + "\n" + header + "\tis_pad\n" + "".join(f"{unit[r]}\t{int(p)}\n" for r, p in share)
                    else:
                        text = meta + "\n" + header + "\n" + "".join(unit[r] + "\n" for r, _ in share)
                    case(f"{tag}-shard-{world}-{tail}-{int(seeded)}-{rank}", a, text)
                    case(f"{tag}-shard-idx-{world}-{tail}-{int(seeded)}-{rank}", a + " --indices",
                         "".join(f"{r}\n" for r, _ in share))
    n = len(rows)
    paths = [unescape(r.split("\t")[cols.index("path")]) for r in rows]
    labels = [unescape(r.split("\t")[cols.index("label")]) for r in rows]
    import re
    groups = [(m.group(1) if m else p) for p, m in ((p, re.search(rb"^[^/]+/(p[0-9]+)[/_]", p)) for p in paths)]
    for ratios, names, margs, keys, labs in [
            ("0.8,0.1,0.1", ["train", "val", "test"], "", paths, None),
            ("0.7,0.3", ["a", "b"], "--names a,b", paths, None),
            ("0.6,0.2,0.2", ["train", "val", "test"], "--group-regex ^[^/]+/(p[0-9]+)[/_]", groups, None),
            ("0.8,0.1,0.1", ["train", "val", "test"], "--stratify", paths, labels),
            ("0.5,0.25,0.25", ["train", "val", "test"], "--stratify --group-regex ^[^/]+/(p[0-9]+)[/_]", groups, labels)]:
        sp = assign_splits(keys, cumulative_ratios(ratios), hash64, labs)
        a = f"split {src} --ratios {ratios} {margs}"
        key = f"{tag}-split-{len(cases)}"
        case(key, a, meta + "\n" + header + "\tsplit\n" + "".join(f"{rows[i]}\t{names[sp[i]]}\n" for i in range(n)))
        for k, name in enumerate(names):
            with open(f"exp/{key}.{name}.tsv", "w", encoding="utf-8", newline="\n") as f:
                f.write(meta + "\n" + header + "\n" + "".join(rows[i] + "\n" for i in range(n) if sp[i] == k))
with open("cases.txt", "w") as f:
    f.writelines(cases)
PYEOF

set -f  # the arguments hold regular expressions
count=0
while IFS=$'\t' read -r name args; do
  # shellcheck disable=SC2086
  dsmanifest $args > "out/$name" || fail "$name: dsmanifest $args exited $?"
  expect_same_file "$name ($args)" "exp/$name" "out/$name"
  if [[ $name == *-split-* ]]; then
    # shellcheck disable=SC2086
    dsmanifest $args --out-dir "dir-$name" || fail "$name: --out-dir exited $?"
    set +f
    for f in exp/"$name".*.tsv; do
      expect_same_file "$name --out-dir" "$f" "dir-$name/${f#exp/"$name".}"
    done
    set -f
  fi
  count=$((count + 1))
done < cases.txt
set +f
[ "$count" -gt 500 ] || fail "only $count cases ran"

# -o writes the same bytes atomically.
dsmanifest shuffle m.tsv --seed 42 --epoch 7 -o shuffled.tsv
expect_same_file "shuffle -o" exp/m-shuffle-global-42-7 shuffled.tsv
# Standard input works as the manifest.
dsmanifest shuffle - --seed 42 --epoch 7 < m.tsv > stdin.tsv
expect_same_file "shuffle from stdin" exp/m-shuffle-global-42-7 stdin.tsv
echo "ok: $count cases"
