# -x/--one-file-system: a tmpfs mounted inside the tree is listed (its mount point) but not descended,
# like find -xdev. Needs root and permission to mount; skipped with a message otherwise.
. "$(dirname "$0")/lib.sh"

mkdir -p R/local/sub R/mnt R/after
touch R/local/sub/a R/after/b
if ! mount -t tmpfs -o size=8m dskit-e2e-xdev R/mnt 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN); -x not tested" >&2
  exit 0
fi
trap 'umount "$T/R/mnt" 2>/dev/null || umount -l "$T/R/mnt" 2>/dev/null; cleanup' EXIT
mkdir -p R/mnt/inside/deeper
touch R/mnt/inside/deeper/c R/mnt/top

# Without -x the mount is walked.
expect_eq "no -x" "$(find R -mindepth 1 | sort)" "$(dsls R | sort)"
grep -q '^R/mnt/top$' <(dsls R) || fail "without -x the mount is not walked"
# With -x: the mount point is listed, nothing below it; the rest of the tree is.
for args in "-x" "--one-file-system" "-x -l" "-x -j 1" "-x -j 32" "-x --sort" "-x -t f"; do
  # shellcheck disable=SC2086
  got=$(dsls R $args | awk -F'\t' '{ print $NF }' | sort)
  case "$args" in
    *"-t f"*) want=$(find R -mindepth 1 -xdev -type f | sort) ;;
    *) want=$(find R -mindepth 1 -xdev | sort) ;;
  esac
  expect_eq "dsls $args vs find -xdev" "$want" "$got"
done
dsls R -x | grep -qx R/mnt || fail "-x: the mount point itself is not listed"
# -x with --summary: nothing of the mount is counted.
expect_eq "-x --summary total files" "$(find R -mindepth 1 -xdev ! -type d | wc -l)" \
  "$(dsls R -x --summary | tail -1 | cut -f1)"
# A PATH on the other filesystem is walked (it is the root of the walk), -x keeps within it.
expect_eq "-x on the mount itself" "$(find R/mnt -mindepth 1 -xdev | sort)" "$(dsls R/mnt -x | sort)"
