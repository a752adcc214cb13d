# man/dsmanifest.1 and man/dskit-manifest.5 are lint-clean and name every subcommand and option.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"
command -v mandoc > /dev/null || { echo "mandoc not installed: skipped"; exit 0; }
mandoc -Tlint -Wwarning "$DSKIT_SRC/man/dsmanifest.1"
mandoc -Tlint -Wwarning "$DSKIT_SRC/man/dskit-manifest.5"
page=$(mandoc -Tascii "$DSKIT_SRC/man/dsmanifest.1" | col -b)
for cmd in build verify update diff convert stats; do
  for opt in $(dsmanifest $cmd --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    case $opt in --help) continue ;; esac
    grep -q -- "$opt" <<< "$page" || fail "dsmanifest $cmd $opt is not in the man page"
  done
done
# The Python unescape in the format page works on every byte value.
mandoc -Tascii "$DSKIT_SRC/man/dskit-manifest.5" | col -bx | awk '/^ +import re$/{on=1} on&&/^ *$/{exit} on' > unescape.py
python3 - "$PWD/unescape.py" <<'PY'
import sys
import textwrap
src = textwrap.dedent(open(sys.argv[1]).read())
ns = {}
exec(src, ns)
unescape = ns["unescape"]
assert unescape(b"a\\tb\\nc\\rd\\\\e\\xffF\\x4a") == b"a\tb\nc\rd\\e\xffF\x4a"
print("unescape OK")
PY
echo OK
