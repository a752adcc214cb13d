#!/usr/bin/env bash
# verify accepts a manifest that lists a path more than once (the padding rows of `shard --pad`).
. "$(dirname "$0")/lib.sh"
mkdir -p D/a D/b
for i in 1 2 3 4 5; do echo "a$i" > "D/a/$i"; echo "b$i" > "D/b/$i"; done
dsmanifest build D -o m.tsv
dsmanifest shard m.tsv --rank 2 --world 3 --pad -o s.tsv   # 10 rows, 3 ranks: 4 rows each, one repeated
expect_eq "rows in the padded share" 4 "$(($(wc -l < s.tsv) - 2))"
# A share lists only some files (the others would count as new), so verify the full manifest with a
# repeated row appended.
{ cat m.tsv; tail -n 1 m.tsv; } > rep.tsv
expect_rc "verify with a repeated row" 0 dsmanifest verify rep.tsv
expect_rc "verify --full with a repeated row" 0 dsmanifest verify --full rep.tsv
echo changed > D/a/3
tail -n +3 m.tsv | grep -q '^a/3	' || fail "a/3 not in the manifest"
{ cat m.tsv; grep '^a/3	' m.tsv; } > rep2.tsv
set +e
out=$(dsmanifest verify rep2.tsv 2>&1)
rc=$?
set -e
expect_eq "exit code with a changed repeated file" 1 "$rc"
expect_eq "the changed file is reported for each of its rows" 2 "$(grep -c 'a/3' <<<"$out")"
echo ok
