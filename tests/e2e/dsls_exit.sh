# Exit codes: 0 ok; 1 some entries could not be read (see dsls_unreadable.sh, also here); 2 usage errors and a
# PATH that does not exist; 3 output could not be written. A broken pipe (dsls | head) exits 0 quietly.
. "$(dirname "$0")/lib.sh"

mkdir -p R/sub
python3 -c '
for i in range(3000):
    open(f"R/sub/file_with_a_fairly_long_name_{i:05d}.jpg", "w").close()'
# 3,000 entries listed 40 times over: ~240,000 lines, far more than a pipe holds.
roots=()
for _ in $(seq 40); do roots+=(R); done

expect_rc "ok" 0 dsls R >/dev/null
expect_rc "--help" 0 dsls --help >/dev/null
dsls --help | grep -q -- '--summary-depth' || fail "--help lacks --summary-depth"
expect_eq "--version" "dsls 0.1.0" "$(dsls --version | head -1 | grep -o 'dsls [0-9.]*')"

# Usage errors: 2, a message on stderr, nothing on stdout.
usage() {
  local what=$1
  shift
  set +e
  "$@" >out 2>err
  local rc=$?
  set -e
  expect_eq "$what: exit code" 2 "$rc"
  [ -s err ] || fail "$what: no message on stderr"
  [ -s out ] && fail "$what: something on stdout: $(head -3 out)"
  return 0
}
usage "missing PATH" dsls does-not-exist
grep -q 'does-not-exist' err || fail "missing PATH not named: $(cat err)"
usage "unknown flag" dsls R --no-such-flag
usage "unknown short flag" dsls R -q
usage "bad -S" dsls R -S 12parsecs
usage "bad -S unit" dsls R -S +1X
usage "bad --newer" dsls R --newer tomorrow
usage "bad --older" dsls R --older 2024-02-30x
usage "bad -j" dsls R -j many
usage "bad -d" dsls R -d deep
usage "bad -t" dsls R -t x
usage "bad --regex" dsls R --regex 'a[b'
usage "--summary-depth 0" dsls R --summary --summary-depth 0
usage "flag without value" dsls R --name
usage "empty PATH" dsls ''

# A missing PATH among good ones: the good ones are still listed, exit 2 (find would exit 1).
set +e
dsls R nope >out 2>err
rc=$?
set -e
expect_eq "good + missing PATH: exit code" 2 "$rc"
expect_eq "good + missing PATH: output" "$(find R -mindepth 1 | sort)" "$(sort out)"
grep -q nope err || fail "missing PATH not named"

# Output that cannot be written: exit 3 with a message.
if [ -w /dev/full ]; then
  set +e
  dsls R >/dev/full 2>err
  rc=$?
  set -e
  expect_eq "write error exit code" 3 "$rc"
  grep -qi 'no space' err || fail "write error message: $(cat err)"
  set +e
  dsls R --sort >/dev/full 2>/dev/null
  rc=$?
  set -e
  expect_eq "write error exit code (--sort)" 3 "$rc"
else
  echo "note: /dev/full not writable, skipping the write-error check" >&2
fi

# Broken pipe: head gets its lines, dsls exits 0 (not 141, not 3), nothing on stderr. Every mode.
for mode in "" "-l" "--json" "--sort" "-0" "-j 1" "-j 64" "--sort -l -j 16"; do
  set +e
  # shellcheck disable=SC2086
  dsls "${roots[@]}" $mode 2>err | head -n 10 >head.out
  st=("${PIPESTATUS[@]}")
  set -e
  expect_eq "broken pipe ($mode): dsls exit code" 0 "${st[0]}"
  [ "$mode" = "-0" ] || expect_eq "broken pipe ($mode): lines" 10 "$(wc -l <head.out)"
  expect_eq "broken pipe ($mode): stderr" "" "$(cat err)"
done
# With --stats the statistics still go to stderr, but no error about the pipe.
set +e
dsls "${roots[@]}" --stats 2>err | head -n 1 >/dev/null
st=("${PIPESTATUS[@]}")
set -e
expect_eq "broken pipe --stats: exit code" 0 "${st[0]}"
grep -qi 'pipe' err && fail "broken pipe reported: $(cat err)"
true
