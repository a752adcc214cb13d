# Manifest inputs that are not plain manifests: a device (/dev/zero) is refused as "not a regular file"
# instead of aborting; a FIFO, process substitution and standard input are read as streams; an endless
# stream that is not a manifest stops early; a cell over 16 MiB is refused with its line instead of being
# truncated; an mtime past 2262 is named out of range; malformed headers give a clear error.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/a
echo one > ds/a/1
echo two > ds/a/2
dsmanifest build ds -o m.tsv
dsmanifest stats m.tsv > want.txt

# Devices: refused, exit 2, one line naming the file.
for dev in /dev/zero /dev/urandom /dev/full; do
  set +e
  timeout 10 dsmanifest stats "$dev" > out.txt 2> err.txt
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "stats $dev: exit $rc, expected 2 ($(cat err.txt))"
  grep -q "^dsmanifest: $dev: not a regular file" err.txt || fail "stats $dev: $(cat err.txt)"
done
for cmd in "verify" "convert --to jsonl" "shuffle --seed 1" "update -o up.tsv"; do
  # shellcheck disable=SC2086
  expect_rc_err "$cmd /dev/zero" 2 timeout 10 dsmanifest $cmd /dev/zero
  grep -q "not a regular file" err.txt || fail "$cmd /dev/zero: $(cat err.txt)"
done

# dsbench randread --data takes a manifest too: a device is refused there as well.
expect_rc_err "dsbench --data /dev/zero" 2 timeout 10 dsbench randread --data /dev/zero --epochs 1
grep -q "^dsbench: /dev/zero: .*not a regular file" err.txt || fail "dsbench --data /dev/zero: $(cat err.txt)"

# Streams still work: a FIFO (waiting for its writer), process substitution, standard input.
dsmanifest stats <(cat m.tsv) > out.txt
expect_same_file "process substitution" want.txt out.txt
dsmanifest stats - < m.tsv > out.txt
expect_same_file "stdin" want.txt out.txt
mkfifo fifo
(sleep 0.3; cat m.tsv > fifo) &
timeout 10 dsmanifest stats fifo > out.txt
wait
expect_same_file "fifo" want.txt out.txt

# An endless stream that is not a manifest ends at once, with the reason.
expect_rc_err "stdin /dev/zero" 2 timeout 10 dsmanifest stats - < /dev/zero
grep -q -- "-:1: not a dskit manifest" err.txt || fail "stdin /dev/zero: $(cat err.txt)"
set +e
timeout 20 bash -c 'yes "#dskit-manifest v1" | dsmanifest stats -' 2> err.txt
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "endless metadata lines: exit $rc"
grep -q -- "-:2: the header has no 'path' column" err.txt || fail "endless metadata lines: $(cat err.txt)"

# A cell over 16 MiB (2^24 - 1 bytes is the most) is refused with its line, in every column.
long=$(head -c $((1 << 24)) /dev/zero | tr '\0' 'p')
{ cat m.tsv; printf '%s\t1\t2\t3\t\ta\n' "$long"; } > longpath.tsv
expect_rc_err "long path" 2 dsmanifest stats longpath.tsv
grep -q "longpath.tsv:5: field 1 is 16777216 bytes long" err.txt || fail "long path: $(head -c 300 err.txt)"
{ cat m.tsv; printf 'a/9\t1\t2\t3\t\t%s\n' "$long"; } > longlabel.tsv
expect_rc_err "long label" 2 dsmanifest convert --to jsonl longlabel.tsv
grep -q "longlabel.tsv:5: field 6 is 16777216 bytes long" err.txt || fail "long label: $(head -c 300 err.txt)"
# One byte less is kept whole (not truncated).
{ cat m.tsv; printf 'a/9\t1\t2\t3\t\t%s\n' "${long:1}"; } > maxlabel.tsv
dsmanifest convert --to jsonl maxlabel.tsv > out.jsonl
python3 -c "
import json, sys
rows = [json.loads(l) for l in open('out.jsonl')]
assert len(rows[-1]['label']) == (1 << 24) - 1, len(rows[-1]['label'])
"

# mtime_ns past 2262 (2300-01-01 in ns does not fit 64 bits): refused as out of range, with the line.
{ cat m.tsv; printf 'a/9\t1\t10413792000000000000\t3\t\ta\n'; } > future.tsv
expect_rc_err "mtime 2300" 2 dsmanifest stats future.tsv
grep -q "future.tsv:5: mtime_ns '10413792000000000000' is out of range" err.txt || fail "mtime 2300: $(cat err.txt)"

# A file dated 2300: recorded as the last representable nanosecond (2262-04-11), not a wrapped negative
# time; verify and update then agree with the recording.
mkdir fut
echo later > fut/f
touch -d 2300-01-01 fut/f
if [ "$(stat -c %Y fut/f)" -gt 9223372036 ]; then  # the filesystem keeps such times
  dsmanifest build fut -o fut.tsv
  expect_eq "mtime of a file dated 2300" 9223372036854775807 "$(tail -n 1 fut.tsv | cut -f3)"
  dsmanifest verify fut.tsv 2> err.txt > out.txt || fail "verify of a file dated 2300: $(cat out.txt err.txt)"
  dsmanifest update -q fut.tsv -o fut2.tsv
  expect_same_file "update of a file dated 2300" fut.tsv fut2.tsv
fi

# Malformed headers.
hdr() {  # hdr NAME HEADER-LINE EXPECTED-MESSAGE
  printf '#dskit-manifest v1\troot=%s\thash=none\n%s\n' "$(pwd)/ds" "$2" > "$1.tsv"
  expect_rc_err "$1" 2 dsmanifest stats "$1.tsv"
  grep -q "^dsmanifest: $1.tsv:2: $3" err.txt || fail "$1: $(cat err.txt)"
}
hdr duplicate "$(printf 'path\tsize\tpath')" "duplicate column 'path'"
hdr duplicate_other "$(printf 'path\tsize\tsize')" "duplicate column 'size'"
hdr empty_name "$(printf 'path\t\tsize')" "empty column name"
hdr no_path "$(printf 'size\tmtime_ns')" "the header has no 'path' column"
hdr blank "" "empty column name"
printf '#dskit-manifest v1\troot=%s\thash=xxh3-64\npath\tsize\n' "$(pwd)/ds" > nohash.tsv
expect_rc_err "hash column missing" 2 dsmanifest stats nohash.tsv
grep -q "nohash.tsv:2: the metadata says hash=xxh3-64 but the header has no 'xxh3_64' column" err.txt ||
  fail "hash column missing: $(cat err.txt)"
