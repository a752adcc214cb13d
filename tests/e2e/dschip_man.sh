# man/dschip.1 is lint-clean and documents every option that --help lists (and no option --help lacks).
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?DSKIT_SRC must point to the source tree (ctest sets it)}"
page="$DSKIT_SRC/man/dschip.1"
[ -f "$page" ] || fail "no man page at $page"

if command -v mandoc >/dev/null; then
  mandoc -Tlint -Wwarning "$page" >lint 2>&1 || true
  [ -s lint ] && fail "mandoc -Tlint: $(cat lint)"
  mandoc -Tascii "$page" | col -b >page.txt
else
  echo "note: mandoc not installed, lint skipped" >&2
  sed -e 's/\\-/-/g' "$page" >page.txt
fi

# Long and short options from --help: "  -t,--type TEXT ..." / "  --no-hidden ...".
dschip --help | grep -oE '^ +(-[A-Za-z0-9],)?--[a-z0-9-]+' | tr -d ' ' | tr ',' '\n' | sort -u >help_opts
[ "$(wc -l <help_opts)" -ge 20 ] || fail "could not read the options from --help"
# The option headings of the man page's lists ("     -t, --type type", "     --no-hidden") are exactly the
# options of --help.
sed -n '/^DESCRIPTION/,/^OUTPUT FORMATS/p' page.txt | grep -E '^ {5}-' |
  grep -oE '^ {5}(-[A-Za-z0-9], )?--?[A-Za-z0-9-]+' | tr -d ' ' | tr ',' '\n' | sort -u >man_opts
[ -s man_opts ] || fail "no options found in the man page"
diff help_opts man_opts >opts.diff || fail "options differ between --help (<) and the man page (>): $(cat opts.diff)"
for section in NAME SYNOPSIS DESCRIPTION "OUTPUT FORMATS" PERFORMANCE "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^$section" page.txt || fail "man page lacks the $section section"
done
