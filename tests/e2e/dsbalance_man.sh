# man/dsbalance.1 is lint-clean and names every option of --help.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"
page=$(man_text "$DSKIT_SRC/man/dsbalance.1")
man_names_options "$page" dsbalance
for m in imbalance_ratio entropy evenness effective_classes gini min_count max_count total classes; do
  grep -q -- "$m" <<< "$page" || fail "gate metric $m is not in the man page"
done
echo OK
