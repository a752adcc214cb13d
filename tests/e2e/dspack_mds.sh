# dspack build --format mds writes MosaicML Streaming's MDS (index.json version 2, shard.NNNNN.mds with
# "bytes" columns): read back by a Python reader written from their format (uint32 sample count, uint32
# offsets, the JSON config, each sample's uint32 sizes then its columns), every column equals the source file
# (or the class index for cls); index.tsv's offsets point at the bytes; verify and unpack work on it;
# samples with different members are refused.
. "$(dirname "$0")/lib.sh"
mkdir -p src/cat src/dog
for i in 1 2 3 4 5 6 7; do
  head -c $((i * 400)) /dev/urandom > src/cat/$i.jpg; echo "{\"n\":$i}" > src/cat/$i.json
  head -c $((i * 90)) /dev/urandom > src/dog/$i.jpg; echo "{\"d\":$i}" > src/dog/$i.json
done
dspack build src -o m --format mds --shard-size 6k 2> /dev/null
[ "$(ls m/shard.*.mds | wc -l)" -ge 2 ] || fail "expected several MDS shards: $(ls m)"
/usr/bin/python3 - src m <<'PY' || fail "MDS reader"
import json, os, struct, sys
src, out = sys.argv[1], sys.argv[2]
classes = sorted(e.name for e in os.scandir(src) if e.is_dir())
index = json.load(open(os.path.join(out, 'index.json')))
assert index['version'] == 2
rows = [l.split('\t') for l in open(os.path.join(out, 'index.tsv')).read().split('\n')[2:] if l]
by_name = {r[0]: r for r in rows}
seen = 0
for shard in index['shards']:
    assert shard['format'] == 'mds' and shard['version'] == 2 and shard['compression'] is None
    names, encs, sizes = shard['column_names'], shard['column_encodings'], shard['column_sizes']
    assert names == ['cls', 'jpg', 'json'] and encs == ['bytes'] * 3 and sizes == [None] * 3, shard
    data = open(os.path.join(out, shard['raw_data']['basename']), 'rb').read()
    assert len(data) == shard['raw_data']['bytes']
    n, = struct.unpack('<I', data[:4])
    assert n == shard['samples']
    offsets = struct.unpack('<%dI' % (n + 1), data[4:8 + 4 * n])
    config = json.loads(data[8 + 4 * n:offsets[0]])
    assert config['column_names'] == names and config['size_limit'] == shard['size_limit']
    for i in range(n):
        sample = data[offsets[i]:offsets[i + 1]]
        lens = struct.unpack('<3I', sample[:12])
        pos, cols = 12, {}
        for name, ln in zip(names, lens):
            cols[name] = sample[pos:pos + ln]
            pos += ln
        assert pos == len(sample)
        key = json.loads(cols['json'])
        cls = classes[int(cols['cls'])]
        num = key.get('n', key.get('d'))
        assert cols['jpg'] == open(os.path.join(src, cls, '%d.jpg' % num), 'rb').read()
        assert cols['json'] == open(os.path.join(src, cls, '%d.json' % num), 'rb').read()
        r = by_name['%s/%d.jpg' % (cls, num)]
        assert r[4] == shard['raw_data']['basename'] and data[int(r[5]):int(r[5]) + int(r[1])] == cols['jpg']
        seen += 1
assert seen == 14, seen
PY
err_is "verify an MDS pack" 0 "0 problems" dspack verify m
dspack unpack m -o u 2> /dev/null
diff -r src u || fail "unpack of an MDS pack differs"
printf 'x' > src/cat/8.jpg   # a sample without .json
err_is "different members" 2 "same members" dspack build src -o m2 --format mds
echo OK
