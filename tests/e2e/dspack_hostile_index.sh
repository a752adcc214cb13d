# dspack unpack and verify against an index.tsv whose rows claim sizes the shard does not hold (3 GB, 9e18):
# the row is checked against the shard before anything is allocated or read, the member is an error and the
# unpack goes on with the others (exit 1), in bounded memory (under ulimit -v, outside sanitizer builds).
. "$(dirname "$0")/lib.sh"
mkdir -p src/cat
for i in 1 2 3 4; do echo "cat $i" > src/cat/$i.txt; done
dspack build src -o p 2> /dev/null
limit() { if sanitized_build "$DSKIT_BIN/dspack"; then "$@"; else (ulimit -v 1000000 && "$@"); fi; }
for claim in 3000000000 9000000000000000000; do
  rm -rf q o.$claim
  cp -r p q
  sed -i "s/^cat\/2.txt\t6\t/cat\/2.txt\t$claim\t/" q/index.tsv
  grep -q "	$claim	" q/index.tsv || fail "the row was not changed"
  set +e
  limit dspack unpack q -o o.$claim 2> err.txt
  rc=$?
  set -e
  expect_eq "unpack with a $claim-byte row: exit ($(cat err.txt))" 1 "$rc"
  grep -q "cat/2.txt.*beyond the end of the shard" err.txt || fail "the bad row not named: $(cat err.txt)"
  grep -q "out of memory" err.txt && fail "out of memory: $(cat err.txt)"
  [ -e o.$claim/cat/2.txt ] && fail "the bad member was written"
  for i in 1 3 4; do expect_same_file "unpacked $i" src/cat/$i.txt o.$claim/cat/$i.txt; done
  set +e
  limit dspack verify q 2> verr.txt
  rc=$?
  set -e
  expect_eq "verify with a $claim-byte row: exit ($(cat verr.txt))" 1 "$rc"
  grep -q "out of memory" verr.txt && fail "verify: out of memory: $(cat verr.txt)"
done
echo OK
