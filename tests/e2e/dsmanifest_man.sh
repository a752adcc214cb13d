# man/dsmanifest.1 and man/dskit-manifest.5 are lint-clean and name every subcommand and option.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"
page=$(man_text "$DSKIT_SRC/man/dsmanifest.1")
man_text "$DSKIT_SRC/man/dskit-manifest.5" > /dev/null
for cmd in build verify update diff convert stats shuffle shard split leaks; do
  man_names_options "$page" dsmanifest "$cmd"
done
# The Python unescape in the format page works on every byte value.
# (awk reads to the end: an early exit would let col die of SIGPIPE, which pipefail turns into a failure.)
mandoc -Tascii "$DSKIT_SRC/man/dskit-manifest.5" | col -bx |
  awk '!done && /^ +import re$/ { on = 1 } on && /^ *$/ { on = 0; done = 1 } on' > unescape.py
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
