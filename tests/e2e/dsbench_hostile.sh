# dsbench on a hostile tree: a symlink planted under the name of a checkpoint or --prepare file is replaced,
# never written through (the file it points to keeps its bytes); a FIFO given as an input is refused at once
# with exit 2 instead of blocking in open() (where SIGINT/SIGTERM cannot stop it).
. "$(dirname "$0")/lib.sh"

# Planted symlinks: ckpt --dir.
printf 'precious\n' > victim
cp victim victim.orig
mkdir ck
ln -s ../victim ck/dsbench-ckpt-w0-s0.bin
dsbench ckpt --dir ck --size 64k --buffered --json > ck.json 2> ck.err || fail "ckpt with a planted link: $(cat ck.err)"
expect_same_file "ckpt through a planted link" victim.orig victim
[ -z "$(ls -A ck)" ] || fail "ckpt left files: $(ls -A ck)"
# --keep: the kept file is a regular file of the checkpoint's size, not the link.
ln -s ../victim ck/dsbench-ckpt-w0-s0.bin
dsbench ckpt --dir ck --size 64k --buffered --keep > /dev/null 2> ck.err || fail "ckpt --keep: $(cat ck.err)"
expect_same_file "ckpt --keep through a planted link" victim.orig victim
[ -f ck/dsbench-ckpt-w0-s0.bin ] && [ ! -L ck/dsbench-ckpt-w0-s0.bin ] || fail "kept checkpoint is not a file"
expect_eq "kept checkpoint size" 65536 "$(stat -c %s ck/dsbench-ckpt-w0-s0.bin)"
# A second run over the kept files works as before (they are replaced).
dsbench ckpt --dir ck --size 64k --buffered > /dev/null 2> ck.err || fail "ckpt over kept files: $(cat ck.err)"

# Planted symlinks: randread --prepare and train --prepare into an existing directory.
mkdir prep
ln -s ../victim prep/dsbench-00000000.bin
ln -s ../victim prep/dsbench-00000001.bin
dsbench randread --prepare prep --files 2 --size 4k --buffered --json > rr.json 2> rr.err \
  || fail "randread --prepare with planted links: $(cat rr.err)"
expect_same_file "randread --prepare through a planted link" victim.orig victim
ln -s ../victim prep/dsbench-00000000.bin
dsbench train --prepare prep --files 2 --sample-size 4k --compute-time 0 --buffered --json > tr.json 2> tr.err \
  || fail "train --prepare with a planted link: $(cat tr.err)"
expect_same_file "train --prepare through a planted link" victim.orig victim

# FIFOs as inputs: refused at once (exit 2) with the type named; `timeout` turns a hang into a failure.
mkfifo fifo
hostile_fifo() {  # WHAT CMD...
  local what=$1; shift
  set +e; timeout -k 2 10 "$@" > out.txt 2> err.txt; local rc=$?; set -e
  [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "$what: blocked on the FIFO"
  expect_eq "$what: exit" 2 "$rc"
  grep -q "fifo: a FIFO" err.txt || fail "$what: message [$(cat err.txt)]"
}
hostile_fifo "randread --file FIFO" dsbench randread --file fifo --ops 1 --buffered
hostile_fifo "randread --data FIFO" dsbench randread --data fifo --buffered
hostile_fifo "train --data FIFO" dsbench train --data fifo --compute-time 0 --buffered
hostile_fifo "--size manifest:FIFO" dsbench randread --prepare p2 --files 1 --size manifest:fifo
[ ! -e p2 ] || fail "--prepare left p2"
# A FIFO as the first file of a list: refused too.
echo "$PWD/fifo" > list.txt
set +e; timeout -k 2 10 dsbench randread --data list.txt --buffered > out.txt 2> err.txt; rc=$?; set -e
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "file list naming a FIFO: blocked"
expect_eq "file list naming a FIFO: exit" 2 "$rc"
# Directories and character devices are not inputs either.
set +e; dsbench randread --file /dev/null --ops 1 --buffered > out.txt 2> err.txt; rc=$?; set -e
expect_eq "randread --file /dev/null: exit" 2 "$rc"
grep -q "/dev/null: a character device, not a regular file or block device" err.txt || fail "chardev: $(cat err.txt)"
echo ok
