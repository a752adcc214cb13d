# dspack ls --json with names that are not UTF-8 (byte 0xff in a key, 0xfe in a member): every line is valid
# JSON for Python's json module, and the exact bytes come back from the "_b64" siblings (key_b64, and
# members_b64 for the member names, one per member, in order), as man/dskit.7's JSON rule has it.
. "$(dirname "$0")/lib.sh"
mkdir -p src/c
printf 'x' > "src/c/a$(printf '\xff')b.jpg"
printf 'y' > "src/c/a$(printf '\xff')b.$(printf '\xfe')txt"
printf 'z' > src/c/plain.jpg
dspack build src -o p 2> build.err || fail "build: $(cat build.err)"
dspack ls --json p > ls.json || fail "ls --json"
/usr/bin/python3 - ls.json <<'PY' || fail "ls --json: not the names' bytes"
import base64, json, sys
rows = [json.loads(l) for l in open(sys.argv[1], 'rb').read().split(b'\n') if l]
by_key = {base64.b64decode(r['key_b64']) if 'key_b64' in r else r['key'].encode(): r for r in rows}
assert set(by_key) == {b'c/a\xffb', b'c/plain'}, by_key
bad = by_key[b'c/a\xffb']
want = [b'c/a\xffb.cls', b'c/a\xffb.jpg', b'c/a\xffb.\xfetxt']
assert [base64.b64decode(m) for m in bad['members_b64']] == want, bad
assert len(bad['members']) == 3 and all('\ufffd' in m for m in bad['members']), bad
plain = by_key[b'c/plain']
assert 'members_b64' not in plain and plain['members'] == ['c/plain.cls', 'c/plain.jpg'], plain
PY
echo OK
