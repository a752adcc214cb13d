# man/dschip.1 is lint-clean and documents every option that --help lists (and no option --help lacks).
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?DSKIT_SRC must point to the source tree (ctest sets it)}"
page=$(man_text "$DSKIT_SRC/man/dschip.1")
man_options_are_help "$page" dschip "OUTPUT FORMATS"
for section in NAME SYNOPSIS DESCRIPTION "OUTPUT FORMATS" PERFORMANCE "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^$section" <<< "$page" || fail "man page lacks the $section section"
done
