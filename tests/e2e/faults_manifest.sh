# dsmanifest build and verify --full on a failing network filesystem (the latfs fault mount): files whose
# reads fail are named with the cause, counted, and never recorded (build) or passed (verify), exit 1; files
# listed but gone when opened are errors naming them (build) or missing (verify); short reads
# change nothing. Every recorded hash is the oracle's (xxhsum -H2 on the underlying tree).
. "$(dirname "$0")/faults_latfs.sh"
command -v xxhsum > /dev/null || fail "xxhsum is required (xxhash)"

mkdir -p src/a/b src/c src/gone_dir
for i in 1 2 3 4 5; do
  head -c $((i * 70001)) /dev/urandom > "src/a/f$i.bin"
  head -c $((i * 3001)) /dev/urandom > "src/c/g$i.dat"
done
head -c 50000 /dev/urandom > src/a/b/bad1.bin
head -c 3000000 /dev/urandom > src/bad2.bin  # larger than the hasher's read-ahead unit
head -c 2500000 /dev/urandom > src/c/short_big.bin
echo small > src/c/short_small.txt
: > src/c/empty
echo x > src/a/gone.txt
echo y > src/gone_dir/inside

# oracle_sums DIR [find -not args...]: "hash  path" of the regular files below DIR, sorted by path.
oracle_sums() {
  local dir=$1
  shift
  (cd "$dir" && find . -type f "$@" -printf '%P\0' | sort -z | xargs -0 xxhsum -H2) | sed 's/^XXH128 //' > sums
  [ "$(wc -l < sums)" -ge 10 ] || fail "oracle: too few files in $dir"
  cat sums
}
# manifest_sums FILE: "hash  path" of a manifest's rows, sorted by path.
manifest_sums() {
  awk -F'\t' 'NR == 2 { for (i = 1; i <= NF; i++) col[$i] = i } NR > 2 { print $col["xxh3_128"] "  " $col["path"] }' \
    "$1" | sort -k2
}

# ---- build: read errors (and short reads everywhere else)
faults_mount src mnt fail_read='*bad*' short_read='*short*'
expect_rc "build with read errors" 1 dsmanifest build mnt -o m.tsv 2> err
for f in a/b/bad1.bin bad2.bin; do
  grep -qF "mnt/$f: Input/output error" err || fail "read error of $f not named: $(cat err)"
done
expect_eq "read errors reported" 2 "$(grep -c 'Input/output error' err)"
[ -s m.tsv ] || fail "no manifest of the readable files"
oracle_sums src -not -name '*bad*' > want
manifest_sums m.tsv > got
expect_same_file "build records exactly the readable files, with their true hashes" want got

# ---- build: entries listed by readdir but gone when opened for hashing are errors naming them (exit 1),
# never recorded (man/dsmanifest.1); a directory gone when opened is an unreadable directory, as in dsls
faults_remount src mnt vanish='*gone*'
expect_rc "build with vanished entries" 1 dsmanifest build mnt -o v.tsv 2> err
grep -q 'mnt/a/gone.txt: No such file or directory' err || fail "vanished file not named: $(cat err)"
oracle_sums src -not -path '*gone*' > want
manifest_sums v.tsv > got
expect_same_file "build drops the vanished entries" want got

# ---- build: short reads on every file give the true hashes
faults_remount src mnt short_read='*'
expect_rc "build with short reads" 0 dsmanifest build mnt -o s.tsv
oracle_sums src > want
manifest_sums s.tsv > got
expect_same_file "build through short reads" want got

# ---- verify --full against the complete manifest (s.tsv, recorded with root mnt)
faults_remount src mnt fail_read='*bad*' vanish='*f2*' short_read='*short*'
expect_rc "verify --full with faults" 1 dsmanifest verify --full s.tsv > out 2> err
grep -qP '^unreadable\ta/b/bad1.bin\t.*mnt/a/b/bad1.bin: Input/output error' out || fail "bad1 not unreadable: $(cat out)"
grep -qP '^unreadable\tbad2.bin\t.*mnt/bad2.bin: Input/output error' out || fail "bad2 not unreadable: $(cat out)"
grep -qP '^missing\ta/f2.bin$' out || fail "vanished a/f2.bin not missing: $(cat out)"
expect_eq "only the faulty files are reported" 3 "$(wc -l < out)"
grep -q '1 missing, 0 changed, 0 new, 2 unreadable' err || fail "verify counts: $(cat err)"

faults_remount src mnt short_read='*'
expect_rc "verify --full through short reads" 0 dsmanifest verify --full s.tsv > out
expect_eq "nothing reported through short reads" "" "$(cat out)"
echo "ok"
