# dspack build --format mds with a member over the 16 MiB a sample may hold in memory (24 MiB, 24 times the
# 1 MiB chunk it is streamed in): the shard goes through the spill file, and the pack read back by a Python
# reader of the MDS layout has every column equal to its source file, the large one included, with samples
# before and after it and in other shards; index.tsv's offsets point at the bytes; verify and unpack agree.
# (Memory is not asserted: the content is.)
. "$(dirname "$0")/lib.sh"
mkdir -p src/c
for i in 1 2 3 4 5; do
  head -c $((i * 3000)) /dev/urandom > src/c/s$i.bin
  echo "$i" > src/c/s$i.txt
done
head -c 24M /dev/urandom > src/c/s2.bin   # the middle sample of the first shard: the large one
dspack build src -o m --format mds --samples-per-shard 3 --no-label 2> build.err || fail "build: $(cat build.err)"
[ "$(ls m/shard.*.mds | wc -l)" -ge 2 ] || fail "expected several MDS shards: $(ls m)"
[ -z "$(ls -A m | grep -v '^shard\.[0-9]*\.mds$\|^index\.json$\|^index\.tsv$')" ] || fail "left over: $(ls -A m)"
/usr/bin/python3 - src m <<'PY' || fail "MDS reader"
import json, os, struct, sys
src, out = sys.argv[1], sys.argv[2]
index = json.load(open(os.path.join(out, 'index.json')))
rows = {l.split('\t')[0]: l.split('\t') for l in open(os.path.join(out, 'index.tsv')).read().split('\n')[2:] if l}
seen = []
for shard in index['shards']:
    assert shard['column_names'] == ['bin', 'txt'], shard
    data = open(os.path.join(out, shard['raw_data']['basename']), 'rb').read()
    assert len(data) == shard['raw_data']['bytes']
    n, = struct.unpack('<I', data[:4])
    offsets = struct.unpack('<%dI' % (n + 1), data[4:8 + 4 * n])
    assert offsets[-1] == len(data)
    for i in range(n):
        sample = data[offsets[i]:offsets[i + 1]]
        lb, lt = struct.unpack('<2I', sample[:8])
        b, t = sample[8:8 + lb], sample[8 + lb:8 + lb + lt]
        assert 8 + lb + lt == len(sample)
        num = int(t)
        assert b == open(os.path.join(src, 'c', 's%d.bin' % num), 'rb').read(), num
        assert t == open(os.path.join(src, 'c', 's%d.txt' % num), 'rb').read(), num
        r = rows['c/s%d.bin' % num]
        assert r[4] == shard['raw_data']['basename'] and int(r[5]) == offsets[i] + 8 and int(r[1]) == lb, r
        seen.append(num)
assert sorted(seen) == [1, 2, 3, 4, 5], seen
PY
err_is "verify" 0 "0 problems" dspack verify m
dspack unpack m -o u 2> /dev/null
diff -r src u || fail "unpack differs"
echo OK
