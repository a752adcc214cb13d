# dsmanifest build across MPI ranks: byte-identical to the one-process manifest for 2 and 3 ranks (hash
# algorithms, labels, filters, odd names, a deep single-directory tree); a rank whose
# root is missing fails the whole job with a message naming the rank, and never hangs.
. "$(dirname "$0")/lib.sh"
command -v mpirun >/dev/null || fail "mpirun not installed (scripts/deps.sh installs openmpi-bin)"
# Open MPI's own allocations are still held at exit; LeakSanitizer would report them, not ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
run_ranks() { local n=$1; shift; timeout 120 mpirun --allow-run-as-root --oversubscribe -np "$n" "$@"; }

mkdir -p ds "ds/odd dir" deep/only/one/level
for c in $(seq 1 23); do
  mkdir -p "ds/class$c/sub"
  for i in $(seq 1 $((c % 5 + 1))); do head -c $((c * 300 + i)) /dev/urandom > "ds/class$c/$i.jpg"; done
  echo "$c" > "ds/class$c/sub/x.txt"
done
head -c 2000000 /dev/urandom > ds/class3/big.bin
echo top > ds/top.txt
printf x > "ds/odd dir/tab"$'\t'"and"$'\n'"newline"
printf z > "ds/odd dir/latin1-"$'\xe9\xff'
for i in $(seq 1 40); do echo "$i" > "deep/only/one/level/f$i"; done
echo shallow > deep/s.txt

check() {  # check NAME DIR [build flags...]: 1, 2 and 3 ranks give the same bytes
  local name=$1 dir=$2; shift 2
  dsmanifest build "$dir" "$@" -o "$name.1.tsv"
  for n in 2 3; do
    run_ranks "$n" dsmanifest build "$dir" "$@" -o "$name.$n.tsv"
    expect_same_file "$name with $n ranks" "$name.1.tsv" "$name.$n.tsv"
  done
}
check default ds
check xxh3-64 ds --hash xxh3-64
check nohash ds --hash none
check filtered ds --name '*.jpg' --exclude 'class1*' --max-depth 2
check depthlabel ds --label-depth 1 -j 3
check deep deep
[ "$(wc -l < default.1.tsv)" -eq $((2 + $(find ds -type f -printf x | wc -c))) ] || fail "row count"

# Every message cut into rounds of 13 bytes (the chunking large datasets need): still the same bytes.
run_ranks 3 -x DSKIT_MPI_CHUNK=13 dsmanifest build ds -o rounds.tsv
expect_same_file "13-byte rounds" default.1.tsv rounds.tsv

# Standard output works too (rank 0 writes it).
run_ranks 2 dsmanifest build ds > stdout.tsv
sed 1d default.1.tsv > a; sed 1d stdout.tsv > b
expect_same_file "stdout with 2 ranks" a b

# One rank's root is missing: every rank stops, exit 2, the message names the rank and the path.
mkdir r0 && echo a > r0/a
set +e
run_ranks 2 sh -c 'exec dsmanifest build "r$OMPI_COMM_WORLD_RANK" -o bad.tsv' 2> err.txt
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "missing root on rank 1: exit $rc (124 = hung)"
grep -q "dsmanifest: rank 1: .*r1: No such file or directory" err.txt || fail "message: $(cat err.txt)"
[ ! -e bad.tsv ] || fail "a manifest was written although a rank failed"

# Subcommands other than build refuse to run as several ranks instead of racing on one output.
set +e
run_ranks 2 dsmanifest stats default.1.tsv > /dev/null 2> stats.err; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "stats under 2 ranks: exit $rc"
grep -q "only build runs across MPI ranks" stats.err || fail "stats message: $(cat stats.err)"
echo "ok"
