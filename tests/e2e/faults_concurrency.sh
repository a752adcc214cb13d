# The default concurrency follows the storage (issue 13): on a FUSE mount (latfs) dsmanifest build walks
# and hashes with the network answer of io_concurrency (128 in flight), on a local tree with one thread per
# core, and says so in --stats; -j overrides both. The manifest is the same whatever the thread count.
. "$(dirname "$0")/faults_latfs.sh"

mkdir -p src/a src/b
for i in $(seq 1 40); do head -c $((i * 997)) /dev/urandom > "src/a/f$i.bin"; done
for i in $(seq 1 20); do echo "file $i" > "src/b/g$i.txt"; done
faults_mount src mnt

# stat_field LINE WORDS: the number before WORDS ("128 hash threads" -> 128) in a --stats line.
stat_field() { sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p" <<< "$1"; }
# build_stats WHAT ARGS...: dsmanifest build ARGS --stats exits 0; its --stats line is left in $line.
build_stats() {
  local what=$1 rc
  shift
  set +e
  dsmanifest build "$@" --stats 2> stats
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || fail "$what: exit $rc ($(cat stats))"
  line=$(grep '^dsmanifest: .*hash threads' stats) || fail "$what: no --stats line ($(cat stats))"
}

build_stats "build on the mount" mnt -o on_mount.tsv
grep -q 'filesystem fuse,' <<< "$line" || fail "the mount is not named fuse: $line"
expect_eq "hash threads on the mount" 128 "$(stat_field "$line" 'hash threads')"
expect_eq "walk threads on the mount" 128 "$(stat_field "$line" 'walk threads')"
expect_eq "files counted" 60 "$(sed -n 's/^dsmanifest: \([0-9]*\) files.*/\1/p' <<< "$line")"

build_stats "build on the mount, -j 3" mnt -j 3 -o j3.tsv
expect_eq "hash threads with -j 3" 3 "$(stat_field "$line" 'hash threads')"
expect_eq "walk threads with -j 3" 3 "$(stat_field "$line" 'walk threads')"
expect_same_file "the manifest does not depend on the thread count" on_mount.tsv j3.tsv

expect_rc "build -j 1 on the mount" 0 dsmanifest build mnt -j 1 -o j1.tsv
expect_same_file "-j 1 gives the same manifest" on_mount.tsv j1.tsv

# The local tree: one thread per core, unless the temporary directory itself is on network storage.
build_stats "build of the local tree" src -o local.tsv
case $line in
  *"filesystem ext4,"* | *"filesystem tmpfs,"* | *"filesystem xfs,"* | *"filesystem btrfs,"* | *"filesystem overlay,"*)
    cores=$(getconf _NPROCESSORS_ONLN)
    expect_eq "hash threads on local storage" "$cores" "$(stat_field "$line" 'hash threads')"
    expect_eq "walk threads on local storage" "$cores" "$(stat_field "$line" 'walk threads')"
    ;;
  *) echo "note: $T is not on a known local filesystem ($line): local answer not checked" ;;
esac
expect_eq "same rows as on the mount" "$(tail -n +2 on_mount.tsv)" "$(tail -n +2 local.tsv)"
echo "ok"
