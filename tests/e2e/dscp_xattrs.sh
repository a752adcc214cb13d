# dscp --xattrs: the extended attributes of files and directories copied (getfattr of the copy equals the
# source's: user.*, and as root trusted.*); without the flag none; a rerun compares them and sets what
# differs, removes what the source lacks, lists it (-v, --dry-run changes nothing), and with --checksum too;
# a 60,000-byte value (tmpfs); a destination without extended attributes (ramfs): one message per run,
# exit 1, every file copied.
. "$(dirname "$0")/lib.sh"
command -v getfattr > /dev/null || fail "getfattr not installed (scripts/deps.sh installs attr)"

# The attributes of a tree, every namespace, links not followed, paths relative to it.
xattrs_of() { (cd "$1" && getfattr -R -h -d -m - . 2> /dev/null); }

mkdir -p S/d/e
printf 'a\n' > S/f
printf 'b\n' > S/d/g
printf 'c\n' > S/d/e/h
printf 'plain\n' > S/none
ln -s f S/link
setfattr -n user.one -v 1 S/f
setfattr -n user.nl -v "$(printf 'two\nlines')" S/d/g
setfattr -n user.bin -v 0x00ff10 S/d/g
setfattr -n user.dir -v D S/d
setfattr -n user.deep -v E S/d/e
if [ "$(id -u)" = 0 ]; then setfattr -n trusted.t -v T S/d/e/h; fi
xattrs_of S > want
grep -q 'user.nl' want || fail "the source has no attributes: the test set-up is wrong"

dscp -T S D0
[ -z "$(xattrs_of D0)" ] || fail "attributes copied without --xattrs: $(xattrs_of D0)"

dscp --xattrs -T S D
xattrs_of D > got
expect_same_file "attributes of the copy" want got
diff -r --no-dereference S D > /dev/null || fail "contents differ"

# A rerun: what differs is set, what the source lacks removed, and each such file listed.
setfattr -x user.one D/f
setfattr -n user.nl -v changed D/d/g
setfattr -n user.extra -v x D/none
setfattr -n user.extra -v x D/d/e
dscp --xattrs -T -n S D > dry.txt
grep -q 'user.extra' <(xattrs_of D) || fail "--dry-run changed the attributes"
for p in D/f D/d/g D/none; do grep -qx "update	$p" dry.txt || fail "--dry-run does not list $p: $(cat dry.txt)"; done
dscp --xattrs -T -v S D > v.txt
for p in D/f D/d/g D/none; do grep -qx "update	$p" v.txt || fail "-v does not list $p: $(cat v.txt)"; done
xattrs_of D > got
expect_same_file "attributes after the rerun" want got
dscp --xattrs -T -v S D > v.txt
[ ! -s v.txt ] || fail "an up-to-date copy changed: $(cat v.txt)"
setfattr -n user.one -v 2 D/f
dscp --xattrs -T -c -v S D > v.txt
grep -qx "update	D/f" v.txt || fail "--checksum does not compare attributes: $(cat v.txt)"
xattrs_of D > got
expect_same_file "attributes after --checksum" want got

# --manifest copies them too.
dsmanifest build S -o m.tsv 2> /dev/null
dscp --xattrs --manifest m.tsv M
expect_eq "attributes of a manifest copy" "$(getfattr --only-values -n user.nl S/d/g)" \
  "$(getfattr --only-values -n user.nl M/d/g)"

mkdir -p big small
if ! mount -t tmpfs -o size=4m tmpfs big 2> /dev/null; then
  echo "cannot mount a tmpfs (not root, or no CAP_SYS_ADMIN): large-value and unsupported checks skipped"
  exit 0
fi
trap 'umount "$T/big" "$T/small" 2> /dev/null || true; cleanup' EXIT
# A value near the kernel's 64 KiB bound (ext4 holds one block: tmpfs holds it).
mkdir big/S
printf 'x\n' > big/S/f
/usr/bin/python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.large", b"v" * 60000)' big/S/f
dscp --xattrs -T big/S big/D
cmp <(getfattr --only-values -n user.large big/S/f) <(getfattr --only-values -n user.large big/D/f) ||
  fail "a 60,000-byte value not copied"

# A destination without extended attributes: one message for the run, exit 1, the data all copied.
mount -t ramfs ramfs small 2> /dev/null || fail "cannot mount a ramfs"
capture out.txt dscp --xattrs -T S small/D
expect_eq "exit code on a destination without attributes" 1 "$rc"
expect_eq "one message" 1 "$(wc -l < err.txt)"
grep -q '^dscp: small/D: the destination does not support extended attributes' err.txt ||
  fail "message: $(cat err.txt)"
diff -r --no-dereference S small/D > /dev/null || fail "the data not copied to a destination without attributes"
