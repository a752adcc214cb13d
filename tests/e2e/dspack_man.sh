# man/dspack.1 is lint-clean, names every option of every subcommand's --help, and has the sections of a
# tool's page, OUTPUT FORMATS among them.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"
page=$(man_text "$DSKIT_SRC/man/dspack.1")
for cmd in build verify ls unpack; do
  man_names_options "$page" dspack "$cmd"
done
for section in NAME SYNOPSIS DESCRIPTION "OUTPUT FORMATS" "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^$section" <<< "$page" || fail "man page lacks the $section section"
done
echo OK
