# man/dsbalance.1 is lint-clean and names every option of --help.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?}"
command -v mandoc > /dev/null || { echo "mandoc not installed: skipped"; exit 0; }
mandoc -Tlint -Wwarning "$DSKIT_SRC/man/dsbalance.1"
page=$(mandoc -Tascii "$DSKIT_SRC/man/dsbalance.1" | col -b)
for opt in $(dsbalance --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
  case $opt in --help) continue ;; esac
  grep -q -- "$opt" <<< "$page" || fail "dsbalance $opt is not in the man page"
done
for m in imbalance_ratio entropy evenness effective_classes gini min_count max_count total classes; do
  grep -q -- "$m" <<< "$page" || fail "gate metric $m is not in the man page"
done
echo OK
