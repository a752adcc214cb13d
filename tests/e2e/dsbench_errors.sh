# dsbench on bad input: each a clear one-line message and the documented exit code, nothing left behind.
. "$(dirname "$0")/lib.sh"

head -c 100000 /dev/urandom > small.bin
# Missing paths: exit 2.
err_is "missing --file" 2 "missing.bin: No such file" dsbench randread --file missing.bin --ops 1
err_is "missing --data" 2 "nowhere: No such file" dsbench randread --data nowhere
err_is "missing ckpt dir" 2 "nodir.*No such file" dsbench ckpt --dir nodir --size 1M
err_is "missing meta dir" 2 "nodir.*No such file" dsbench meta --dir nodir --files 1
# A file shorter than the block: exit 2.
head -c 1000 /dev/urandom > tiny.bin
err_is "short file" 2 "shorter than the block size" dsbench randread --file tiny.bin --ops 1 --buffered
err_is "span beyond file" 2 "larger than the file" dsbench randread --file small.bin --size 1M --ops 1
# Bad values: exit 2.
err_is "bad block" 2 "not a size" dsbench randread --file small.bin --block 4q
err_is "unaligned block" 2 "not a multiple of the O_DIRECT alignment" dsbench randread --file small.bin --block 4097 --ops 1
err_is "bad dist" 2 "uniform:MIN-MAX" dsbench randread --prepare p --files 2 --size uniform:9-1
err_is "prepare needs files" 2 "give --files" dsbench randread --prepare p --size 4k
err_is "two sources" 2 "exactly one of" dsbench randread --file small.bin --data .
err_is "bad engine" 2 "engine" dsbench randread --file small.bin --engine libaio
err_is "unaligned ckpt size" 2 "multiples of" dsbench ckpt --dir . --size 1000
[ -z "$(find . -name 'dsbench-*')" ] || fail "files left after the refused ckpt"
# O_DIRECT refused (procfs has no direct I/O): exit 6 with advice; --buffered then works.
err_is "O_DIRECT refused" 6 "refuses O_DIRECT.*--buffered" dsbench randread --file /proc/self/status --block 1 --ops 1
# A ramfs refuses O_DIRECT too, for writers; mounting needs root, so this part runs only where it can.
if mkdir rf && mount -t ramfs ramfs rf 2> /dev/null; then
  set +e; dsbench ckpt --dir rf --size 1M > /dev/null 2> err.txt; rc=$?; set -e
  err=$(cat err.txt)
  [ -z "$(ls -A rf)" ] || { umount rf; fail "ckpt left files on the ramfs"; }
  dsbench ckpt --dir rf --size 1M --buffered --json > ram.json || { umount rf; fail "buffered ckpt on ramfs"; }
  umount rf
  expect_eq "ramfs O_DIRECT exit" 6 "$rc"
  grep -q "refuses O_DIRECT" <<< "$err" || fail "ramfs message: $err"
  grep -q '"complete":true' ram.json || fail "buffered ckpt on ramfs incomplete"
else
  echo "ramfs cannot be mounted here: its part skipped"
fi
# Not writable, as an unprivileged user: exit 3.
mkdir ro && chmod 555 ro
err_is "ckpt not writable" 3 "ro.*Permission denied" as_nobody dsbench ckpt --dir ro --size 1M
err_is "meta not writable" 3 "ro.*Permission denied" as_nobody dsbench meta --dir ro --files 1
err_is "prepare not writable" 3 "Permission denied" as_nobody dsbench randread --prepare ro/p --files 1 --size 4k
[ -z "$(ls -A ro)" ] || fail "files left in ro"
# Unreadable dataset file: the run goes on, the error is reported, exit 1.
mkdir ds && head -c 5000 /dev/urandom > ds/a && head -c 5000 /dev/urandom > ds/b && chmod 000 ds/b
chmod 755 ds
err_is "unreadable file" 1 "ds/b: Permission denied" as_nobody dsbench randread --data ds --json
grep -q '"files":1,' out.txt || fail "the readable file was not counted: $(cat out.txt)"
# A timeseries that cannot be written: exit 3.
err_is "timeseries" 3 "nodir/ts.csv" dsbench randread --file small.bin --ops 10 --timeseries nodir/ts.csv
# Disk full during a checkpoint (a 4 MiB tmpfs): bytes written reported, files removed, exit 3.
if mkdir full && mount -t tmpfs -o size=4m tmpfs full 2> /dev/null; then
  set +e; dsbench ckpt --dir full --writers 2 --size 4M --buffered --json > full.json 2> err.txt; rc=$?; set -e
  left=$(ls -A full)
  umount full
  expect_eq "disk full exit" 3 "$rc"
  grep -q "disk full after [0-9]* bytes written; the checkpoint files were removed" err.txt || fail "disk full message: $(cat err.txt)"
  [ -z "$left" ] || fail "files left on the full disk: $left"
  python3 -c "import json; r = json.load(open('full.json')); assert r['disk_full'] and not r['complete'] and 0 < r['bytes'] < 8 << 20 and r['removed'], r"
else
  echo "tmpfs cannot be mounted here: the disk-full part skipped"
fi
echo OK
