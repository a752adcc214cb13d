# dscp across MPI ranks: 2 and 3 ranks give a copy identical to one process's (diff -r --no-dereference and
# tree_listing: contents, modes, ns mtimes, links, -H), files above --chunk-size copied in parts by every
# rank (a sparse one stays sparse), rank 0 prints one merged summary counting every file once; --manifest
# deals the files out by size and --write-manifest writes one manifest, the same as one process's but for
# its root and inode column; --stage-once and --rank/--world are refused under MPI; failing ranks are named
# and the job exits non-zero.
. "$(dirname "$0")/lib.sh"
need_mpirun

mkdir -p S/x/y S/z
for i in $(seq 1 60); do head -c $((i * 131)) /dev/urandom > S/x/f$i; done
for i in $(seq 1 20); do printf '%s\n' "$i" > S/x/y/g$i; done
head -c 3000000 /dev/urandom > S/z/big
head -c 1500000 /dev/urandom > S/x/big2
truncate -s 4M S/z/sparse
printf 'data' | dd of=S/z/sparse bs=1 seek=2500000 conv=notrunc 2> /dev/null
printf 'odd\n' > "S/z/new
line"
ln -s ../x/f1 S/z/link
ln S/x/f2 S/z/hard
chmod 700 S/x/y
touch -d '2003-04-05 06:07:08.5' S/x/y S/z

dscp -H -T S one
for n in 2 3; do
  run_ranks "$n" dscp -H -T --json --chunk-size 256k S D$n > sum$n.json
  diff -r --no-dereference S "D$n" > diff.txt || fail "$n ranks: $(cat diff.txt)"
  tree_listing one > want
  tree_listing "D$n" > got
  expect_same_file "metadata with $n ranks" want got
  [ "$(stat -c %i D$n/x/f2)" = "$(stat -c %i D$n/z/hard)" ] || fail "$n ranks: -H link lost"
  [ "$(du -k D$n/z/sparse | cut -f1)" -lt 100 ] || fail "$n ranks: the sparse file is not sparse"
  [ -z "$(find D$n -name '*.dskit-*.tmp')" ] || fail "$n ranks: temporaries left"
  python3 - sum$n.json <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines  # one summary, from rank 0
s = json.loads(lines[0])
assert s["files"] == 84 and s["links"] == 2 and s["errors"] == 0, s
PY
done

# --manifest across ranks: every file once, dealt by size (the large ones in parts); one --write-manifest.
dsmanifest build S -o m.tsv 2> /dev/null
dscp --manifest m.tsv --write-manifest w1.tsv M1
# What legitimately differs: the root (DST) and the inode column.
strip() { sed '1s/root=[^	]*//' "$1" | cut -f1-3,5-; }
for n in 2 3; do
  run_ranks "$n" dscp --manifest m.tsv --json --chunk-size 256k --write-manifest w$n.tsv M$n > msum.json
  python3 -c 'import json; s=json.loads(open("msum.json").read()); assert s["files"] == 85, s'
  diff -r --no-dereference M1 "M$n" > diff.txt || fail "manifest copy across $n ranks: $(cat diff.txt)"
  strip w1.tsv > want
  strip "w$n.tsv" > got
  expect_same_file "--write-manifest across $n ranks" want got
  dsmanifest verify "w$n.tsv" > /dev/null 2>&1 || fail "--write-manifest of $n ranks does not verify"
done

# One process's options, refused under MPI with a usage message (from rank 0 alone).
capture out.txt run_ranks 2 dscp --stage-once S St
expect_eq "--stage-once under MPI" 2 "$rc"
grep -q 'stage-once is for processes started on their own' err.txt || fail "--stage-once: $(cat err.txt)"
capture out.txt run_ranks 2 dscp --manifest m.tsv --rank 0 --world 2 R
expect_eq "--rank under MPI" 2 "$rc"
grep -q 'rank and --world are one process' err.txt || fail "--rank: $(cat err.txt)"

# Ranks that fail (the destination is a regular file) are named; the job exits non-zero and never hangs.
printf 'not a directory\n' > notdir
set +e
run_ranks 2 dscp -T S notdir > /dev/null 2> err.txt
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a failed copy exited 0"
grep -q 'rank 1 of 2: failed (exit 3)' err.txt || fail "the failed rank is not named: $(cat err.txt)"
