# dsmanifest convert: xxhsum -c accepts the checksum files (-H2 and -H3 formats), paths0 feeds xargs -0,
# JSON Lines parse; names xxhsum cannot hold are left out with exit 1.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/a "ds/sp ace"
for i in 1 2 3; do head -c $((i * 777)) /dev/urandom > ds/a/$i; done
printf q > 'ds/sp ace/back\slash'
printf r > "ds/sp ace/caf"$'\xc3\xa9'
printf s > "ds/latin1-"$'\xe9'

for h in xxh3-128 xxh3-64; do
  dsmanifest build --hash $h ds -o m.tsv
  dsmanifest convert m.tsv --to xxhsum -o sums.txt
  (cd ds && xxhsum -c ../sums.txt) > check.txt || fail "xxhsum -c ($h): $(cat check.txt)"
  expect_eq "xxhsum OK lines ($h)" 6 "$(grep -c ': OK$' check.txt)"
  # The same lines xxhsum itself writes.
  flag=$([ $h = xxh3-128 ] && echo -H2 || echo -H3)
  (cd ds && find . -type f -printf '%P\n' | LC_ALL=C sort | while IFS= read -r f; do xxhsum $flag "$f"; done) > want.txt
  expect_same_file "xxhsum format ($h)" want.txt sums.txt
  # A corrupted file fails the check.
  cp -a ds ds2 && echo corrupt >> ds2/a/2
  (cd ds2 && xxhsum -c ../sums.txt) > /dev/null 2>&1 && fail "corruption not caught ($h)"
  rm -rf ds2
done

# A newline in a name cannot be written in xxhsum's format: left out, said, exit 1.
printf n > "ds/new"$'\n'"line"
dsmanifest build ds -o m.tsv
expect_rc "newline name" 1 dsmanifest convert m.tsv --to xxhsum -o sums.txt
(cd ds && xxhsum -c ../sums.txt) > /dev/null || fail "the other entries must still check"
expect_eq "left out" 6 "$(wc -l < sums.txt)"
dsmanifest build --hash none ds -o none.tsv
expect_rc "no hash column" 2 dsmanifest convert none.tsv --to xxhsum

# paths0: absolute by default (works from anywhere), --relative for cd ROOT; exact bytes.
dsmanifest convert m.tsv --to paths0 | xargs -0 cat | wc -c > n.txt
expect_eq "bytes through xargs -0" "$(cat ds/a/1 ds/a/2 ds/a/3 | wc -c | awk '{print $1 + 4}')" "$(tr -d ' ' < n.txt)"
dsmanifest convert m.tsv --to paths0 --relative | sort -z > got.lst
(cd ds && find . -type f -printf '%P\0') | sort -z > want.lst
expect_same_file "relative paths0" want.lst got.lst

# JSON Lines: one object per entry, numbers for size/mtime/ino, base64 for non-UTF-8 names.
dsmanifest convert m.tsv --to jsonl > m.jsonl
python3 - m.jsonl ds <<'PY'
import base64, json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 7, len(rows)
for r in rows:
    raw = base64.b64decode(r["path_b64"]) if "path_b64" in r else r["path"].encode()
    st = os.stat(os.path.join(sys.argv[2].encode(), raw))
    assert r["size"] == st.st_size and r["mtime_ns"] == st.st_mtime_ns and isinstance(r["ino"], int), r
    assert len(r["xxh3_128"]) == 32
assert sum("path_b64" in r for r in rows) == 1
assert any(r["path"] == "new\nline" for r in rows)
PY
expect_rc "bad --to" 2 dsmanifest convert m.tsv --to csv
echo OK
