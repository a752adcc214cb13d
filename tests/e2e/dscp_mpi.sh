# dscp across MPI ranks: 2 and 3 ranks give a copy identical to one process's (diff -r --no-dereference and
# tree_listing: contents, modes, ns mtimes, links, -H), rank 0 prints one merged summary counting every file
# once; --manifest deals the files out by size; failing ranks are named and the job exits non-zero.
. "$(dirname "$0")/lib.sh"
need_mpirun

mkdir -p S/x/y S/z
for i in $(seq 1 60); do head -c $((i * 131)) /dev/urandom > S/x/f$i; done
for i in $(seq 1 20); do printf '%s\n' "$i" > S/x/y/g$i; done
head -c 3000000 /dev/urandom > S/z/big
printf 'odd\n' > "S/z/new
line"
ln -s ../x/f1 S/z/link
ln S/x/f2 S/z/hard
chmod 700 S/x/y
touch -d '2003-04-05 06:07:08.5' S/x/y S/z

dscp -H -T S one
for n in 2 3; do
  run_ranks "$n" dscp -H -T --json S D$n > sum$n.json
  diff -r --no-dereference S "D$n" > diff.txt || fail "$n ranks: $(cat diff.txt)"
  tree_listing one > want
  tree_listing "D$n" > got
  expect_same_file "metadata with $n ranks" want got
  [ "$(stat -c %i D$n/x/f2)" = "$(stat -c %i D$n/z/hard)" ] || fail "$n ranks: -H link lost"
  python3 - sum$n.json <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines  # one summary, from rank 0
s = json.loads(lines[0])
assert s["files"] == 82 and s["links"] == 2 and s["errors"] == 0, s
PY
done

# --manifest across ranks: every file once, dealt by size.
dsmanifest build S -o m.tsv 2> /dev/null
run_ranks 2 dscp --manifest m.tsv --json M > msum.json
python3 -c 'import json; s=json.loads(open("msum.json").read()); assert s["files"] == 83, s'
cmp S/z/big M/z/big && cmp S/x/f60 M/x/f60 || fail "manifest copy across ranks"

# Ranks that fail (the destination is a regular file) are named; the job exits non-zero and never hangs.
printf 'not a directory\n' > notdir
set +e
run_ranks 2 dscp -T S notdir > /dev/null 2> err.txt
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a failed copy exited 0"
grep -q 'rank 1 of 2: failed (exit 3)' err.txt || fail "the failed rank is not named: $(cat err.txt)"
