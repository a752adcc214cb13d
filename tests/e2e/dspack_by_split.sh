# dspack build --by split on a manifest from `dsmanifest split`: one shard series per split (train-000000.tar,
# ..., val-..., test-...), each with its own SPLIT.shardindex.json, index.tsv's split column naming each
# row's split; checked with Python's tarfile (every member of a split's shards is a file of that split, with
# its bytes, at index.tsv's offset; every file of the manifest packed in its split's series; the wids counts
# add up); byte-identical whatever -j; verify passes; --by on a directory, a missing column, or a
# split value that cannot name a shard: exit 2.
. "$(dirname "$0")/lib.sh"
mkdir -p src/cat src/dog
for i in $(seq 1 30); do head -c $((i * 53)) /dev/urandom > src/cat/$i.jpg; echo "{\"n\":$i}" > src/cat/$i.json
done
for i in $(seq 1 30); do head -c $((i * 31)) /dev/urandom > src/dog/d$i.jpg; done
dsmanifest build src -o m.tsv 2> /dev/null
# A sample's files share its key (the path up to the first '.'), so they go to the same split.
dsmanifest split --ratios 0.6,0.2,0.2 --group-regex '^([^.]*)' m.tsv -o s.tsv 2> /dev/null
dspack build s.tsv --by split -o p --shard-size 8k --seed 5 -j 3 2> build.err ||
  fail "build: $(cat build.err)"
dspack build s.tsv --by split -o p1 --shard-size 8k --seed 5 -j 1 2> /dev/null || fail "build -j 1"
[ "$(ls p)" = "$(ls p1)" ] || fail "-j 1 and -j 3 wrote different files"
for f in $(ls p); do expect_same_file "p/$f with -j 1 and 3" p/$f p1/$f; done
for s in train val test; do
  [ -e p/$s-000000.tar ] && [ -e p/$s.shardindex.json ] || fail "no $s series: $(ls p | tr '\n' ' ')"
done
[ ! -e p/shard-000000.tar ] && [ ! -e p/shardindex.json ] || fail "the default series written too"
/usr/bin/python3 - s.tsv p <<'PY' || fail "Python oracle"
import json, os, sys, tarfile
man, pack = sys.argv[1], sys.argv[2]
lines = open(man).read().split('\n')
root = dict(f.split('=', 1) for f in lines[0].split('\t')[1:])['root']
head = lines[1].split('\t')
want = {}
for l in lines[2:]:
    if l:
        r = dict(zip(head, l.split('\t')))
        want[r['path']] = r['split']
ilines = open(os.path.join(pack, 'index.tsv')).read().split('\n')
ihead = ilines[1].split('\t')
assert ihead[-1] == 'split', ihead
rows = [dict(zip(ihead, l.split('\t'))) for l in ilines[2:] if l]
index = {(r['shard'], r['path']): r for r in rows}
packed = {}
for split in ('train', 'val', 'test'):
    si = json.load(open(os.path.join(pack, split + '.shardindex.json')))
    shards = sorted(f for f in os.listdir(pack) if f.startswith(split + '-') and f.endswith('.tar'))
    assert [s['url'] for s in si['shardlist']] == shards, (si, shards)
    for s in si['shardlist']:
        keys = set()
        with tarfile.open(os.path.join(pack, s['url'])) as t:
            for m in t:
                r = index[(s['url'], m.name)]
                assert r['split'] == split and int(r['offset']) == m.offset_data, (r, m.offset_data)
                keys.add(r['key'])
                if m.name.endswith('.cls'):
                    continue
                assert want[m.name] == split, (m.name, want[m.name], split)
                assert t.extractfile(m).read() == open(os.path.join(root, m.name), 'rb').read(), m.name
                packed[m.name] = split
        assert len(keys) == s['nsamples'], (s, keys)
assert packed == want, set(want) ^ set(packed)
assert len(rows) == len(want) + 60, len(rows)  # one .cls member per sample (30 cat, 30 dog)
PY
dspack verify p > /dev/null 2>&1 || fail "verify"
set +e
dspack build src --by split -o d 2> dir.err; rc_dir=$?
dspack build s.tsv --by nosuch -o n 2> col.err; rc_col=$?
set -e
expect_eq "--by on a directory: exit" 2 "$rc_dir"
grep -q -- "--by needs a manifest" dir.err || fail "message: $(cat dir.err)"
expect_eq "--by a missing column: exit" 2 "$rc_col"
grep -q "no such column" col.err || fail "message: $(cat col.err)"
# A split value that would leave OUTDIR or hide a shard (../x, .x) names no shard: exit 2, nothing written.
for v in '../x' '.x'; do
  awk -v v="$v" 'BEGIN { FS = OFS = "\t" } NR > 2 && $NF == "val" { $NF = v } { print }' s.tsv > bad.tsv
  set +e
  dspack build bad.tsv --by split -o b 2> bad.err
  rc=$?
  set -e
  expect_eq "--by value $v: exit" 2 "$rc"
  grep -q "cannot name shards" bad.err || fail "message: $(cat bad.err)"
  [ -z "$(ls -A b 2> /dev/null)" ] || fail "--by value $v: files written: $(ls -A b)"
  [ ! -e x-000000.tar ] || fail "a shard written outside OUTDIR"
done
echo OK
