# dspack build on a full disk (a 1 MiB tmpfs): exit 3 with the cause, the shard being written removed (no
# partial shard under a final name, no temporary left), no index written; the shards completed before are
# whole archives.
. "$(dirname "$0")/lib.sh"
mkdir -p src/c
for i in $(seq 1 40); do head -c 60000 /dev/urandom > src/c/$i.bin; done
if mkdir full && mount -t tmpfs -o size=1m tmpfs full 2> /dev/null; then
  set +e; dspack build src -o full/p --shard-size 300k 2> err.txt; rc=$?; set -e
  ls -A full/p > left.txt
  for s in full/p/shard-*.tar; do
    [ -e "$s" ] || continue
    tar -tf "$s" > /dev/null 2> tar.err || { umount full; fail "a partial shard under its final name: $s ($(cat tar.err))"; }
    [ "$(tar -tf "$s" | wc -l)" -gt 0 ] || { umount full; fail "an empty shard left: $s"; }
  done
  umount full
  expect_eq "disk full exit" 3 "$rc"
  grep -q "No space left on device" err.txt || fail "disk full message: $(cat err.txt)"
  grep -qv '^shard-[0-9]*\.\(tar\|idx\)$' left.txt && fail "files other than whole shards left: $(cat left.txt)"
  true
else
  echo "tmpfs cannot be mounted here: skipped"
fi
echo OK
