# Every file a tool writes goes through one output path (base/fileio) with one set of rules, and a report that
# cannot be written is never a silent success. For each tool's output option:
#   a symlink stays a link and its target gets the output; a FIFO and bash's >(...) are written through; a
#   character device (a /dev/null or /dev/full node, as root) stays a device; a full device is an error naming
#   the output. For each tool's report on standard output: /dev/full or a closed stdout is a message and the
#   documented exit code (3 in every tool); a reader that went away (EPIPE) is a quiet exit 0.
# And a symlink planted at the old predictable temporary name of a dschip shard is not followed.
. "$(dirname "$0")/lib.sh"
command -v vips >/dev/null || fail "vips is required (libvips-tools)"

make_classes ds cat:6 dog:3 bird:2
dsmanifest build ds -o m.tsv
vips black b.v 300 200 --bands 3
vips linear b.v img.png 1 90
head -c 200000 /dev/urandom > small.bin

# The part of each output that is the same from run to run.
norm_manifest() { grep -v '^#' "$1"; }
norm_chips() { cut -f1 "$1"; }      # chip paths (their mtimes differ between runs)
norm_timeseries() { head -1 "$1"; } # the header (the numbers differ between runs)

# check_output NAME NORM FULLCODE CMD...: the -o rules for one tool's output option.
check_output() {
  local name=$1 norm=$2 fullcode=$3
  shift 3
  rm -rf "o.$name" && mkdir "o.$name"
  local d="o.$name"
  run_out "$d/ref" "$@" > /dev/null 2>&1 || fail "$name: the plain run failed"
  [ -s "$d/ref" ] || fail "$name: no output in $d/ref"

  # A symlink and a FIFO: written through (lib.sh).
  expect_link_and_fifo_written "$name" "$d" "$d/ref" "$norm" "$@"

  # bash's >(...): /dev/fd/N written through.
  run_out >(cat > "$d/subst.got") "$@" > /dev/null 2>&1 || fail "$name: writing into >(...) failed"
  wait $!
  diff <($norm "$d/ref") <($norm "$d/subst.got") > /dev/null || fail "$name: >(...) got other bytes"

  # Device nodes of our own (root only): /dev/null stays a device; /dev/full is an error naming the output.
  if [ "$(id -u)" = 0 ]; then
    mknod "$d/null" c 1 3
    run_out "$d/null" "$@" > /dev/null 2>&1 || fail "$name: writing into a null device failed"
    [ -c "$d/null" ] || fail "$name: the null device was replaced by a regular file"
    mknod "$d/full" c 1 7
    set +e
    run_out "$d/full" "$@" > /dev/null 2> "$d/full.err"
    local rc=$?
    set -e
    [ -c "$d/full" ] || fail "$name: the full device was replaced by a regular file"
    [ "$rc" -eq "$fullcode" ] || fail "$name: a full device gave exit $rc, expected $fullcode ($(cat "$d/full.err"))"
    grep -q "$d/full.*No space left on device" "$d/full.err" || fail "$name: message [$(cat "$d/full.err")]"
  fi
}

check_output dsmanifest_build norm_manifest 3 dsmanifest build ds -o @OUT@
check_output dsmanifest_shuffle norm_manifest 3 dsmanifest shuffle --seed 1 m.tsv -o @OUT@
check_output dsmanifest_convert norm_manifest 3 dsmanifest convert m.tsv --to xxhsum -o @OUT@
check_output dsbalance norm_manifest 3 dsbalance --resample --max-per-class 2 --seed 1 m.tsv -o @OUT@
check_output dschip norm_chips 3 dschip img.png -o chips --no-mask -s 100 --manifest @OUT@
check_output dsbench norm_timeseries 3 dsbench randread --file small.bin --buffered --ops 20 --timeseries @OUT@

# Reports on standard output: /dev/full and a closed stdout are errors with a message; EPIPE is quiet.
# output_fails NAME HOW CODE MESSAGE CMD...: CMD with its standard output HOW (full: /dev/full; closed: a
# closed descriptor) exits CODE and says MESSAGE on standard error (kept in HOW.NAME.err).
output_fails() {
  local name=$1 how=$2 code=$3 msg=$4 rc where
  shift 4
  set +e
  case $how in
    full) where="> /dev/full" && "$@" > /dev/full 2> "$how.$name.err" ;;
    closed) where=">&-" && "$@" >&- 2> "$how.$name.err" ;;
    *) fail "output_fails: HOW is full or closed" ;;
  esac
  rc=$?
  set -e
  [ "$rc" -eq "$code" ] || fail "$name $where: exit $rc, expected $code ($(cat "$how.$name.err"))"
  grep -q "$msg" "$how.$name.err" || fail "$name $where: message [$(cat "$how.$name.err")]"
}

# report_errors NAME CODE CMD...
report_errors() {
  local name=$1 code=$2 rc
  shift 2
  output_fails "$name" full "$code" "standard output: No space left on device" "$@"
  output_fails "$name" closed "$code" "standard output: Bad file descriptor" "$@"
  # A reader that is already gone: EPIPE, a quiet success.
  set +e
  python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
with open(sys.argv[1], "w") as err:
    sys.exit(subprocess.call(sys.argv[2:], stdout=w, stderr=err))' "epipe.$name.err" "$@"
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || fail "$name into a closed pipe: exit $rc ($(cat "epipe.$name.err"))"
  ! grep -qE "standard output|Broken pipe" "epipe.$name.err" || fail "$name into a closed pipe: [$(cat "epipe.$name.err")]"
}

report_errors dsmanifest_stats 3 dsmanifest stats m.tsv
report_errors dsmanifest_build 3 dsmanifest build ds
report_errors dsbalance 3 dsbalance m.tsv
report_errors dsbalance_json 3 dsbalance --json m.tsv
report_errors dsbalance_weights 3 dsbalance --weights balanced --weights-format all m.tsv
report_errors dschip 3 dschip img.png -o rchips --no-mask -s 100
report_errors dsbench 3 dsbench randread --file small.bin --buffered --ops 20

# A symlink planted where dschip used to put a shard's temporary file (.shard-000000.tar.tmp): not followed.
echo precious > victim
mkdir shards
ln -s ../victim shards/.shard-000000.tar.tmp
dschip img.png -o shards --no-mask -s 100 --shard-size 3 > /dev/null
expect_eq "victim of a planted temporary" precious "$(cat victim)"
[ -f shards/shard-000000.tar ] || fail "no shard written"
expect_eq "members" 6 "$(for s in shards/shard-*.tar; do tar tf "$s"; done | wc -l)"
ls -A shards | grep -q 'dskit-.*\.tmp$' && fail "a temporary file was left: $(ls -A shards)"
echo "outputs_special: ok"
