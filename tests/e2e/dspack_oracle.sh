# dspack build against Python's tarfile and torchvision (the oracles): every member's bytes are the source
# file's, every .cls member is torchvision's class index, index.tsv's offsets are tarfile's offset_data, no
# sample straddles two shards, shardindex.json's counts and sizes add up, the DALI .idx lines agree with the
# tar, GNU tar lists every shard; names with a newline, invalid UTF-8 and 300 bytes go through pax headers.
. "$(dirname "$0")/lib.sh"
mkdir -p src/cat src/dog src/zebra "src/dog/$(printf 'deep')"
for i in 1 2 3 4 5; do
  head -c $((i * 700)) /dev/urandom > src/cat/$i.jpg
  printf '{"i":%d}' $i > src/cat/$i.json
  head -c $((i * 300 + 1)) /dev/urandom > src/dog/d$i.png
done
printf 'x' > src/zebra/"$(printf 'new\nline')".jpg
printf 'y' > src/zebra/"$(printf 'bad\xff\xfe')".jpg
long=$(printf 'l%.0s' $(seq 1 150))
mkdir "src/zebra/$long"
printf 'z' > "src/zebra/$long/$long.jpg"   # a 316-byte path, its file name over ustar's 100 bytes
printf 'w' > src/dog/deep/a.b.c.txt   # key dog/deep/a, extension b.c.txt
dspack build src -o pack --shard-size 8k -j 3 2> build.err || fail "build: $(cat build.err)"
[ "$(ls pack/shard-*.tar | wc -l)" -ge 3 ] || fail "expected several shards: $(ls pack)"
for s in pack/shard-*.tar; do tar -tf "$s" > /dev/null 2> tar.err || fail "tar -tf $s: $(cat tar.err)"; [ ! -s tar.err ] || fail "tar -tf $s warned: $(cat tar.err)"; done
/usr/bin/python3 - src pack <<'PY' || fail "Python oracle"
import json, os, re, sys, tarfile
from torchvision.datasets.folder import find_classes
src, pack = sys.argv[1], sys.argv[2]
_, class_to_idx = find_classes(src)
def unescape(s):
    b = s.encode('utf-8', 'surrogateescape')
    out, i = bytearray(), 0
    while i < len(b):
        if b[i:i+1] == b'\\':
            c = b[i+1:i+2]
            if c == b'x': out.append(int(b[i+2:i+4], 16)); i += 4; continue
            out += {b'n': b'\n', b't': b'\t', b'r': b'\r', b'\\': b'\\'}[c]; i += 2; continue
        out.append(b[i]); i += 1
    return bytes(out)
lines = open(os.path.join(pack, 'index.tsv'), 'rb').read().decode('utf-8', 'surrogateescape').split('\n')
assert lines[0].startswith('#dskit-manifest v1'), lines[0]
head = lines[1].split('\t')
assert head == ['path', 'size', 'xxh3_128', 'label', 'shard', 'offset', 'key', 'origin'], head
rows = [dict(zip(head, l.split('\t'))) for l in lines[2:] if l]
index = {(unescape(r['shard']), unescape(r['path'])): r for r in rows}
shardindex = json.load(open(os.path.join(pack, 'shardindex.json')))
shards = sorted(f for f in os.listdir(pack) if f.endswith('.tar'))
assert [s['url'] for s in shardindex['shardlist']] == shards
seen_keys, nmembers, files = set(), 0, set()
for entry in shardindex['shardlist']:
    name = entry['url']
    path = os.path.join(pack, name)
    assert entry['filesize'] == os.path.getsize(path)
    keys, members = [], []
    with tarfile.open(path) as t:
        for m in t:
            assert m.isreg() and m.uid == 0 and m.gid == 0 and m.mode == 0o644, m
            bname = m.name.encode('utf-8', 'surrogateescape')
            data = t.extractfile(m).read()
            r = index[(name.encode(), bname)]
            assert int(r['offset']) == m.offset_data and int(r['size']) == m.size, (r, m.offset_data)
            base = bname.rsplit(b'/', 1)[-1]
            key = bname[:len(bname) - len(base)] + base.split(b'.', 1)[0]
            assert unescape(r['key']) == key, (r, key)
            if bname.endswith(b'.cls') and r['origin'] == 'label':
                label = bname.split(b'/')[0].decode()
                assert data == str(class_to_idx[label]).encode(), (bname, data, class_to_idx)
            else:
                assert r['origin'] == 'file'
                assert data == open(os.path.join(src.encode(), bname), 'rb').read(), bname
                files.add(bname)
            if not keys or keys[-1] != key: keys.append(key)
            members.append((key, base.split(b'.', 1)[1] if b'.' in base else b'', m.offset_data, m.size, bname))
            nmembers += 1
    assert len(keys) == len(set(keys)), 'a sample split inside a shard'
    assert not seen_keys & set(keys), 'a sample straddles shards'
    seen_keys |= set(keys)
    assert entry['nsamples'] == len(keys), (entry, len(keys))
    idx = path[:-4] + '.idx'
    if os.path.exists(idx):
        lines = open(idx, 'rb').read().split(b'\n')
        assert lines[0] == b'v1.2 %d' % len(keys), lines[0]
        want = []
        for k in keys:
            want.append(b' '.join(b'%s %d %d %s' % (e, o, s, n) for kk, e, o, s, n in members if kk == k))
        assert lines[1:-1] == want, (lines[1:], want)
        assert lines[-1] == b''
    else:
        assert any(b'\n' in n for *_, n in members), 'a DALI index left out without a reason'
assert nmembers == len(rows)
walked = set()
for d, _, fs in os.walk(src.encode()):
    for f in fs: walked.add(os.path.relpath(os.path.join(d, f), src.encode()))
assert files == walked, walked ^ files
assert sum(s['nsamples'] for s in shardindex['shardlist']) == len(seen_keys)
PY
grep -q "no DALI index written (a member name holds white space)" build.err || fail "no warning for the DALI index: $(cat build.err)"
echo OK
