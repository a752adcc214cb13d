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
# err_is WHAT CODE PATTERN CMD...: exit code CODE and a message on stderr matching PATTERN (kept in err.txt).
err_is() {
  local what=$1 want=$2 pat=$3; shift 3
  set +e; "$@" > out.txt 2> err.txt; local got=$?; set -e
  [ "$got" -eq "$want" ] || fail "$what: exit $got, expected $want ($(cat err.txt))"
  grep -q -- "$pat" err.txt || fail "$what: message [$(cat err.txt)] lacks [$pat]"
}
# An unprivileged user for permission tests (root bypasses permission bits).
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

# Man pages. man_text PAGE: PAGE as plain text, after checking that `mandoc -Tlint -Wwarning` is silent;
# without mandoc the calling test is skipped.
man_text() {
  command -v mandoc > /dev/null || { echo "mandoc not installed: skipped"; exit 0; }
  [ -f "$1" ] || fail "no man page at $1"
  local lint
  lint=$(mandoc -Tlint -Wwarning "$1" 2>&1) || true
  [ -z "$lint" ] || fail "mandoc -Tlint: $lint"
  mandoc -Tascii "$1" | col -b
}
# man_names_options TEXT CMD...: every long option that `CMD... --help` lists appears in TEXT.
man_names_options() {
  local text=$1 opt
  shift
  for opt in $("$@" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    [ "$opt" = --help ] && continue
    grep -q -- "$opt" <<< "$text" || fail "$* $opt is not in the man page"
  done
}
# man_options_are_help TEXT TOOL LAST: the option headings of TEXT's lists ("     -t, --type type"), from
# DESCRIPTION to the section LAST, are exactly the short and long options `TOOL --help` lists.
man_options_are_help() {
  "$2" --help | grep -oE '^ +(-[A-Za-z0-9],)?--[a-z0-9-]+' | tr -d ' ' | tr ',' '\n' | sort -u > help_opts
  [ "$(wc -l < help_opts)" -ge 10 ] || fail "could not read the options from $2 --help"
  sed -n "/^DESCRIPTION/,/^$3/p" <<< "$1" | grep -E '^ {5}-' |
    grep -oE '^ {5}(-[A-Za-z0-9], )?--?[A-Za-z0-9-]+' | tr -d ' ' | tr ',' '\n' | sort -u > man_opts
  [ -s man_opts ] || fail "no options found in the man page"
  diff help_opts man_opts > opts.diff || fail "options differ between --help (<) and the man page (>): $(cat opts.diff)"
}
