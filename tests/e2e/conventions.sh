# The conventions every tool shares (man/dskit.7), checked for every tool and subcommand:
#   --help is free of CLI11's type noise (UINT:UINT in [1 - 4294967296], TEXT, {false});
#   the exit-code table: 0 success, 1 some inputs failed or differences, 2 usage error or unusable input,
#   3 output not written, 4 gate tripped, 5 output locked, 6 unsupported by the storage;
#   one error style: every message starts with "TOOL: ", a missing input reads
#   "TOOL: PATH: No such file or directory", a usage error ends with "(see TOOL [SUBCOMMAND] --help)" once.
# Full devices are nodes made here with mknod (as root), never the machine's /dev/full.
. "$(dirname "$0")/lib.sh"
command -v vips > /dev/null || fail "vips is required (libvips-tools)"

tools="dsls dsmanifest dsbalance dschip dsbench dscp dspack"
# subcommands TOOL: the names under "Subcommands:" in TOOL --help.
subcommands() { "$1" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }'; }
expect_eq "dsmanifest subcommands" 9 "$(subcommands dsmanifest | grep -cE '^(build|verify|update|diff|shuffle|shard|split|convert|stats)$')"
expect_eq "dspack subcommands" 4 "$(subcommands dspack | grep -cE '^(build|verify|ls|unpack)$')"
expect_eq "dsbench subcommands" 4 "$(subcommands dsbench | grep -cE '^(randread|ckpt|meta|train)$')"
# Every command line to check: each tool, and each subcommand of those that have them.
commands=()
for t in $tools; do
  subs=$(subcommands "$t")
  if [ -z "$subs" ]; then commands+=("$t"); else for s in $subs; do commands+=("$t $s"); done; fi
done

# ---- --help: exit 0, no type noise.
noise='UINT|\bINT\b|\bTEXT\b|\bFLOAT\b| in \[|:\{|\{(false|true)\}|=(false|true)\b'
for c in $tools "${commands[@]}"; do
  # shellcheck disable=SC2086
  expect_rc "$c --help" 0 $c --help > help.txt 2>&1
  grep -qE -- '--help' help.txt || fail "$c --help printed no help: $(head -3 help.txt)"
  if grep -nE "$noise" help.txt > noise.txt; then fail "$c --help has type noise: $(cat noise.txt)"; fi
  # -j is the workers everywhere, spelled -j,--threads.
  if grep -qE '^ *-j,' help.txt; then grep -qE '^ *-j,--threads' help.txt || fail "$c: -j is not -j,--threads"; fi
done

# ---- Fixtures: a small labelled tree, its manifest, an image, a file to read.
make_classes ds cat:6 dog:3 bird:2
dsmanifest build ds -o m.tsv 2> /dev/null
vips black b.v 300 200 --bands 3
vips linear b.v img.png 1 90
head -c 200000 /dev/urandom > small.bin

quiet() { "$@" > /dev/null 2>&1; }
# one_message WHAT TOOL: err.txt is one line starting with "TOOL: ".
one_message() {
  expect_eq "$1: lines on stderr ($(cat err.txt))" 1 "$(wc -l < err.txt)"
  grep -q "^$2: " err.txt || fail "$1: message does not start with '$2: ': $(cat err.txt)"
}

# ---- 0: success.
expect_rc "dsls" 0 dsls ds > /dev/null
expect_rc "dsmanifest build" 0 dsmanifest build ds -o m2.tsv 2> /dev/null
expect_rc "dsmanifest verify" 0 dsmanifest verify m.tsv > /dev/null
expect_rc "dsmanifest diff" 0 dsmanifest diff m.tsv m2.tsv > /dev/null
expect_rc "dsbalance" 0 dsbalance m.tsv > /dev/null
expect_rc "dschip" 0 dschip img.png -o chips --no-mask -s 100 > /dev/null
expect_rc "dsbench" 0 dsbench randread --file small.bin --buffered --ops 20 > /dev/null
expect_rc "dscp" 0 dscp -T ds ds.copy
expect_rc "dspack build" 0 dspack build ds -o pk 2> /dev/null
expect_rc "dspack verify" 0 dspack verify pk 2> /dev/null

# ---- 1: some inputs failed, or differences found.
echo "changed" > ds/cat/1.jpg
expect_rc "dsmanifest verify mismatch" 1 quiet dsmanifest verify m.tsv
dsmanifest build ds -o m3.tsv 2> /dev/null
expect_rc "dsmanifest diff differences" 1 quiet dsmanifest diff m.tsv m3.tsv
cp m3.tsv m.tsv

# ---- 2: an unknown flag, for every tool and subcommand: "TOOL: ... (see TOOL [SUB] --help)", once.
for c in "${commands[@]}"; do
  tool=${c%% *}
  # shellcheck disable=SC2086
  err_is "$c --no-such-flag" 2 "^$tool: " $c --no-such-flag
  one_message "$c --no-such-flag" "$tool"
  grep -qF "(see $c --help)" err.txt || fail "$c --no-such-flag: no '(see $c --help)': $(cat err.txt)"
  expect_eq "$c --no-such-flag: pointers to --help" 1 "$(grep -o 'see [a-z ]*--help' err.txt | wc -l)"
done
# Our own usage errors (a flag's value, flags that contradict each other, a flag the input cannot serve) point
# to --help too, through the one cli/tool usage_error: one per tool and subcommand. A subcommand whose flags
# CLI11 checks alone is listed in no_own_usage; a new subcommand must be added to one of the two.
dsmanifest build ds --hash none -o nohash.tsv 2> /dev/null
declare -A own_usage=(
  [dsls]="-S 4q ds"
  [dschip]="img.png -o c0 -s 0"
  [dsbalance]="--beta 2 m.tsv"
  [dsmanifest build]="ds -o x.tsv --hash md5"
  [dsmanifest verify]="--full nohash.tsv"
  [dsmanifest shuffle]="--seed 1 --block 0 m.tsv"
  [dsmanifest shard]="--epoch 1 --rank 0 --world 1 m.tsv"
  [dsmanifest split]="--ratios 0.5,0.6 m.tsv"
  [dsmanifest convert]="--to xxhsum nohash.tsv"
  [dsmanifest leaks]="--column nope m.tsv"
  [dsbench randread]=""
  [dsbench ckpt]="--dir ck --size 4q"
  [dsbench meta]="--dir me --file-size 4q"
  [dsbench train]=""
  [dscp]="--rank 1 ds cpx"
  [dspack build]="ds -o p0 --shard-size 4q"
  [dspack ls]="--json -0 pk"
)
no_own_usage="|dsmanifest update|dsmanifest diff|dsmanifest stats|dspack verify|dspack unpack|"
for c in "${commands[@]}"; do
  if [[ -v own_usage[$c] ]]; then
    tool=${c%% *}
    # shellcheck disable=SC2086
    err_is "$c ${own_usage[$c]}" 2 "(see $c --help)\$" $c ${own_usage[$c]}
    one_message "$c ${own_usage[$c]}" "$tool"
  else
    [[ "$no_own_usage" == *"|$c|"* ]] ||
      fail "$c: no usage error of its own listed in conventions.sh (own_usage or no_own_usage)"
  fi
done
err_is "dsbench randread --prepare bad --size" 2 "(see dsbench randread --help)$" dsbench randread --prepare pp --files 2 --size 4q
[ ! -e x.tsv ] && [ ! -e ck ] && [ ! -e me ] && [ ! -e pp ] && [ ! -e cpx ] && [ ! -e p0 ] ||
  fail "a usage error left an output behind"

# ---- 2: a missing input, for every tool: exactly "TOOL: PATH: No such file or directory".
nope=$T/nonexistent
# missing TOOL CMD...: exit 2 and the one message.
missing() {
  local tool=$1
  shift
  err_is "$* (missing input)" 2 "^$tool: " "$@"
  expect_eq "$*: message" "$tool: $nope: No such file or directory" "$(cat err.txt)"
}
missing dsls dsls "$nope"
missing dsmanifest dsmanifest build "$nope" -o out.tsv
missing dsmanifest dsmanifest verify "$nope"
missing dsmanifest dsmanifest update "$nope"
missing dsmanifest dsmanifest stats "$nope"
missing dsmanifest dsmanifest diff "$nope" m.tsv
missing dsmanifest dsmanifest convert "$nope" --to jsonl
missing dsmanifest dsmanifest shuffle --seed 1 "$nope"
missing dsmanifest dsmanifest shard --rank 0 --world 1 "$nope"
missing dsmanifest dsmanifest split --ratios 0.8,0.2 "$nope"
missing dsbalance dsbalance "$nope"
missing dschip dschip "$nope" -o c1
missing dsbench dsbench randread --file "$nope"
missing dsbench dsbench randread --data "$nope"
missing dspack dspack build "$nope" -o p1
missing dspack dspack verify "$nope"
missing dspack dspack ls "$nope"
# dscp: a missing SRC is one source that failed (exit 1, as cp), the rest copied; the same message.
mkdir cp2
err_is "dscp (missing SRC)" 1 "^dscp: " dscp "$nope" ds cp2
expect_eq "dscp missing SRC: message" "dscp: $nope: No such file or directory" "$(cat err.txt)"
[ -d cp2/ds ] || fail "dscp: the other SRC was not copied"
[ ! -e out.tsv ] || fail "a failed build left out.tsv"

# ---- 3: an output that cannot be written: a full device (made here, as root) and a closed stdout.
# unwritable WHAT TOOL CMD...: exit 3 and one message naming the cause.
unwritable() {
  local what=$1 tool=$2
  shift 2
  err_is "$what" 3 "^$tool: .*\(No space left on device\|Bad file descriptor\)" "$@"
}
# to_full CMD...: CMD with standard output on the full device.
to_full() { "$@" > "$T/full"; }
if [ "$(id -u)" = 0 ]; then
  mknod full c 1 7
  unwritable "dsls > full" dsls to_full dsls ds
  unwritable "dsmanifest build -o full" dsmanifest dsmanifest build ds -o full
  unwritable "dsmanifest stats > full" dsmanifest to_full dsmanifest stats m.tsv
  unwritable "dsbalance > full" dsbalance to_full dsbalance m.tsv
  unwritable "dsbalance --resample -o full" dsbalance dsbalance --resample --max-per-class 2 --seed 1 m.tsv -o full
  unwritable "dschip --manifest full" dschip dschip img.png -o c2 --no-mask -s 100 --manifest full
  unwritable "dsbench > full" dsbench to_full dsbench randread --file small.bin --buffered --ops 20
  unwritable "dsbench --timeseries full" dsbench dsbench randread --file small.bin --buffered --ops 20 --timeseries full
  [ -c full ] || fail "the full device was replaced"
fi
# unwritable_stdout TOOL CMD...: stdout closed (exit 3 and "TOOL: ...Bad file descriptor").
unwritable_stdout() {
  local tool=$1
  shift
  set +e
  "$@" >&- 2> err.txt
  local rc=$?
  set -e
  expect_eq "$* >&-: exit ($(cat err.txt))" 3 "$rc"
  grep -q "^$tool: .*Bad file descriptor" err.txt || fail "$* >&-: $(cat err.txt)"
}
unwritable_stdout dsls dsls ds
unwritable_stdout dsmanifest dsmanifest stats m.tsv
unwritable_stdout dsbalance dsbalance m.tsv
unwritable_stdout dschip dschip img.png -o c3 --no-mask -s 100
unwritable_stdout dsbench dsbench randread --file small.bin --buffered --ops 20
unwritable_stdout dscp dscp -n ds cp3
unwritable_stdout dspack dspack ls pk

# ---- 4: a tripped gate (cat 6 against bird 2: imbalance ratio 3).
err_is "dsbalance gate" 4 "^dsbalance: " dsbalance --fail-if 'imbalance_ratio>2' m.tsv
expect_rc "dsbalance gate that holds" 0 dsbalance --fail-if 'imbalance_ratio>10' m.tsv > /dev/null

# ---- 5: another process holds the output's lock (flock(1) on .NAME.lock, as dskit/manifest/lock.h takes it).
flock .m.tsv.lock sh -c 'while [ ! -e "$1/go" ] && [ -d "$1" ]; do sleep 0.05; done' sh "$T" &
holder=$!
for _ in $(seq 1 200); do
  flock -n .m.tsv.lock true 2> /dev/null || break
  sleep 0.05
done
flock -n .m.tsv.lock true 2> /dev/null && { touch go; fail "flock(1) did not take the lock"; }
set +e
dsmanifest update -q m.tsv > out.txt 2> err.txt
rc=$?
set -e
touch go
wait "$holder"
expect_eq "dsmanifest update while locked: exit ($(cat err.txt))" 5 "$rc"
one_message "dsmanifest update while locked" dsmanifest

# ---- 6: the storage cannot run what was asked (procfs refuses O_DIRECT).
err_is "dsbench O_DIRECT refused" 6 "^dsbench: " dsbench randread --file /proc/self/status --block 1 --ops 1

echo OK
