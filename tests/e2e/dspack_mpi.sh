# dspack build across MPI ranks: 2 and 3 ranks write the same pack as one process (cmp of every shard, .idx,
# shardindex.json and index.tsv), with --seed and with --by split; rank 0 alone prints the summary. A rank
# whose shard write fails (its shards, the large ones, overflow a 1 MiB tmpfs) is named, the job exits 3 and
# never hangs.
. "$(dirname "$0")/lib.sh"
command -v mpirun > /dev/null || fail "mpirun not installed (scripts/deps.sh installs openmpi-bin)"
run_ranks=(timeout 120 mpirun --allow-run-as-root --oversubscribe -np)  # then the rank count and the command
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"  # Open MPI's own allocations, held at exit
same_pack() {
  local f
  [ "$(ls "$1")" = "$(ls "$2")" ] || fail "$1 and $2 hold different files: $(ls "$1" "$2" | tr '\n' ' ')"
  for f in $(ls "$1"); do expect_same_file "$2/$f" "$1/$f" "$2/$f"; done
}
mkdir -p src/cat src/dog
for i in $(seq 1 30); do head -c $((i * 97)) /dev/urandom > src/cat/$i.jpg; echo "$i" > src/cat/$i.txt; done
for i in $(seq 1 30); do head -c $((i * 41)) /dev/urandom > src/dog/d$i.png; done
dspack build src -o one --shard-size 6k --seed 3 2> /dev/null
[ "$(ls one/*.tar | wc -l)" -gt 4 ] || fail "expected several shards"
for n in 2 3; do
  "${run_ranks[@]}" "$n" dspack build src -o r$n --shard-size 6k --seed 3 > out$n.txt 2> err$n.txt ||
    fail "$n ranks: $(cat err$n.txt)"
  same_pack one r$n
  expect_eq "$n ranks: summary lines" 1 "$(grep -c '^dspack: 60 samples' err$n.txt)"
done
dsmanifest build src -o m.tsv 2> /dev/null
dsmanifest split --ratios 0.5,0.5 --group-regex '^([^.]*)' m.tsv -o s.tsv 2> /dev/null
dspack build s.tsv --by split -o s1 --shard-size 6k 2> /dev/null
"${run_ranks[@]}" 2 dspack build s.tsv --by split -o s2 --shard-size 6k 2> /dev/null ||
  fail "--by split, 2 ranks"
same_pack s1 s2
dspack verify r2 > /dev/null 2>&1 || fail "verify of the 2-rank pack"

# A rank that fails: the small samples first (rank 0's shards fit), the large ones last (rank 1's do not).
if mkdir full && mount -t tmpfs -o size=1m tmpfs full 2> /dev/null; then
  mkdir -p big/c
  for i in $(seq 10 29); do head -c 1000 /dev/urandom > big/c/a$i.bin; done
  for i in $(seq 10 29); do head -c 100000 /dev/urandom > big/c/z$i.bin; done
  set +e
  "${run_ranks[@]}" 2 dspack build big -o full/p --samples-per-shard 5 > /dev/null 2> fail.txt
  rc=$?
  set -e
  umount full
  [ "$rc" -ne 124 ] || fail "the failing run hung"
  expect_eq "a failed rank: exit ($(cat fail.txt))" 3 "$rc"
  grep -q "rank 1: .*No space left on device" fail.txt || fail "the failed rank not named: $(cat fail.txt)"
else
  echo "tmpfs cannot be mounted here: the failing rank skipped"
fi
echo OK
