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
# capture OUT CMD...: CMD with its standard output in the file OUT and its standard error in err.txt; the test
# goes on whatever CMD returns, and its exit status is in $rc (a caller's `local rc` if it has one).
capture() {
  local out=$1
  shift
  set +e
  "$@" > "$out" 2> err.txt
  rc=$?
  set -e
}
# expect_rc_err WHAT CODE CMD...: CMD exits with CODE; its standard error is in err.txt.
expect_rc_err() {
  local what=$1 want=$2 rc; shift 2
  capture /dev/null "$@"
  [ "$rc" -eq "$want" ] || fail "$what: exit code $rc, expected $want: $(head -c 500 err.txt)"
}
# err_is WHAT CODE PATTERN CMD...: exit code CODE and a message on stderr matching PATTERN (kept in err.txt).
err_is() {
  local what=$1 want=$2 pat=$3 rc; shift 3
  capture out.txt "$@"
  [ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want ($(cat err.txt))"
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
# man_tool_page TOOL LAST SECTION...: $DSKIT_SRC/man/TOOL.1 is lint-clean, its option lists (DESCRIPTION up to
# the section LAST) are exactly the options of `TOOL --help`, and it has the sections every page has (NAME,
# SYNOPSIS, DESCRIPTION, EXIT STATUS, EXAMPLES, SEE ALSO), LAST and each SECTION. Without mandoc the calling
# test is skipped.
man_tool_page() {
  : "${DSKIT_SRC:?DSKIT_SRC must point to the source tree (ctest sets it)}"
  command -v mandoc > /dev/null || { echo "mandoc not installed: skipped"; exit 0; }
  local tool=$1 last=$2 page section
  shift 2
  page=$(man_text "$DSKIT_SRC/man/$tool.1")
  man_options_are_help "$page" "$tool" "$last"
  for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO" "$last" "$@"; do
    grep -q "^$section" <<< "$page" || fail "man page lacks the $section section"
  done
}

# make_longtail DIR CLASSES HEAD RATIO: an ImageFolder tree DIR/class0 ... DIR/class<CLASSES-1> of empty .jpg
# files whose counts fall geometrically from HEAD (class0) to HEAD*RATIO (the last class):
# class i holds int(HEAD * RATIO ** (i / (CLASSES - 1))) files.
make_longtail() {
  python3 - "$@" <<'PY'
import os, sys
root, classes, head, ratio = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
for i in range(classes):
    d = "%s/class%d" % (root, i)
    os.makedirs(d)
    for k in range(int(head * ratio ** (i / (classes - 1)))):
        open("%s/%d.jpg" % (d, k), "w").close()
PY
}

# Images (dschip tests). need_vips: the calling test needs the vips command-line tool.
need_vips() { command -v vips > /dev/null || fail "vips is required (libvips-tools)"; }

# MPI tests. need_mpirun: the calling test runs ranks under Open MPI's mpirun (whose own allocations, still
# held at exit, LeakSanitizer would report as ours). run_ranks N CMD...: CMD as N ranks, killed after
# $RANKS_TIMEOUT seconds (default 120).
need_mpirun() {
  command -v mpirun > /dev/null || fail "mpirun not installed (scripts/deps.sh installs openmpi-bin)"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
}
run_ranks() {
  local n=$1
  shift
  timeout "${RANKS_TIMEOUT:-120}" mpirun --allow-run-as-root --oversubscribe -np "$n" "$@"
}

# noise_rgb OUT W H MEAN SIGMA [MEAN SIGMA MEAN SIGMA]: OUT, an 8-bit 3-band vips image of W x H Gaussian
# noise: with one MEAN SIGMA pair the three bands are one band repeated (a gray image), with three pairs each
# band (R, G, B) has its own. With NOISE_SEED=N in the environment the image is the same on every run.
noise_rgb() {
  local out=$1 w=$2 h=$3 i=0
  local -a bands=()
  shift 3
  while [ $# -ge 2 ]; do
    # shellcheck disable=SC2086
    vips gaussnoise "$out.$i.v" "$w" "$h" --mean "$1" --sigma "$2" ${NOISE_SEED:+--seed $((NOISE_SEED + i))}
    bands+=("$out.$i.v")
    i=$((i + 1))
    shift 2
  done
  [ ${#bands[@]} -eq 1 ] && bands=("${bands[0]}" "${bands[0]}" "${bands[0]}")
  [ ${#bands[@]} -eq 3 ] || fail "noise_rgb: one or three MEAN SIGMA pairs"
  vips bandjoin "${bands[*]}" "$out.f.v"
  vips cast "$out.f.v" "$out" uchar
  rm -f "$out".*.v
}
# sanitized_build BIN: true when BIN is an ASan/TSan/MSan build, whose sanitizer reserves terabytes of address
# space, so that no `ulimit -v` can apply to it.
sanitized_build() {
  # (grep -c reads to the end: grep -q would stop early and readelf's SIGPIPE fail the pipeline under pipefail;
  # clang links the sanitizer runtime statically, so it has no NEEDED entry, only the symbols.)
  readelf -d "$1" 2> /dev/null | grep -cE 'NEEDED.*lib(a|t|m)san' > /dev/null ||
    readelf -s --wide "$1" 2> /dev/null | grep -cE '__(asan|tsan|msan)_init' > /dev/null
}
# make_classes DIR [--empty] NAME:COUNT...: an ImageFolder tree, DIR/NAME/1.jpg .. COUNT.jpg, each file holding
# "NAME:COUNT i" (empty with --empty).
make_classes() {
  local d=$1 empty=0 c i
  shift
  [ "${1:-}" != --empty ] || { empty=1; shift; }
  for c; do
    mkdir -p "$d/${c%%:*}"
    for i in $(seq 1 "${c##*:}"); do
      if ((empty)); then : > "$d/${c%%:*}/$i.jpg"; else echo "$c $i" > "$d/${c%%:*}/$i.jpg"; fi
    done
  done
}

# run_out OUT CMD...: CMD with every @OUT@ replaced by OUT.
run_out() {
  local out=$1 a args=()
  shift
  for a in "$@"; do args+=("${a//@OUT@/$out}"); done
  "${args[@]}"
}

# expect_link_and_fifo_written NAME DIR REF NORM CMD...: `run_out OUT CMD...`
# writes its output to OUT. Through a symlink, the link stays a link and its target gets what REF holds;
# into a FIFO, the reader gets it and the FIFO stays a FIFO. NORM filters both sides before comparing.
expect_link_and_fifo_written() {
  local name=$1 d=$2 ref=$3 norm=$4
  shift 4
  mkdir "$d/real" && echo old > "$d/real/target" && ln -s real/target "$d/link"
  run_out "$d/link" "$@" > /dev/null 2>&1 || fail "$name: writing through a symlink failed"
  [ -L "$d/link" ] || fail "$name: the symlink was replaced by a file"
  diff <($norm "$ref") <($norm "$d/real/target") > /dev/null || fail "$name: the link's target lacks the output"
  mkfifo "$d/fifo"
  cat "$d/fifo" > "$d/fifo.got" &
  local reader=$!
  run_out "$d/fifo" "$@" > /dev/null 2>&1 || { kill $reader 2>/dev/null; fail "$name: writing into a FIFO failed"; }
  wait $reader
  [ -p "$d/fifo" ] || fail "$name: the FIFO was replaced"
  diff <($norm "$ref") <($norm "$d/fifo.got") > /dev/null || fail "$name: the FIFO's reader got other bytes"
}
# tree_listing DIR: every entry below DIR with its type, mode, owner, size (not for directories), mtime in ns
# and link target, NUL-separated and sorted: two trees with the same listing have the same metadata.
tree_listing() {
  (cd "$1" && find . -mindepth 1 \( -type d -printf 'd %m %u:%g %T@ %p\0' \) -o \
    -printf '%y %m %u:%g %s %T@ [%l] %p\0' | sort -z)
}
