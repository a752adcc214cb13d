# Sourced by every end-to-end test: a fresh temporary directory, the binaries on PATH, assertions.
# Usage at the top of a test:  . "$(dirname "$0")/lib.sh"
set -euo pipefail
: "${DSKIT_BIN:?DSKIT_BIN must point to the built binaries (ctest sets it)}"
export PATH="$DSKIT_BIN:$PATH"
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/dskit-e2e.XXXXXX")
chmod 755 "$T"
cleanup() { chmod -R u+rwx "$T" 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { [ "$2" == "$3" ] || fail "$1: expected [$2], got [$3]"; }
# expect_same_file WHAT A B: byte-identical files, with a diff on failure
expect_same_file() { cmp -s "$2" "$3" || { diff <(od -c "$2") <(od -c "$3") | head -20 >&2; fail "$1: $2 and $3 differ"; }; }
# expect_rc WHAT CODE CMD...: CMD exits with CODE
expect_rc() {
  local what=$1 want=$2; shift 2
  set +e; "$@"; local got=$?; set -e
  [ "$got" -eq "$want" ] || fail "$what: exit code $got, expected $want"
}
# An unprivileged user for permission tests (root bypasses permission bits).
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
