# dscp copies a tree as cp -a would: contents (diff -r --no-dereference), types, modes, owners, ns mtimes
# and link targets (tree_listing), hostile names, sparse files kept sparse (du), hard links with -H,
# symbolic links as links (loops too) or followed with -L, special files reported and skipped; cp -r's rule
# for an existing DST; several SRCs.
. "$(dirname "$0")/lib.sh"

mkdir -p S/a/b S/empty "S/sp ace" S/ro
printf 'hello\n' > S/a/f1
head -c 300000 /dev/urandom > S/a/b/big
: > S/a/zero
printf 'nl\n' > "S/a/new
line"
printf 'tab\n' > "S/a/ta	b"
printf 'bad\n' > "S/a/$(printf 'inv\xffalid')"
printf 'dash\n' > S/a/-rf
printf 'x\n' > "S/sp ace/--help"
truncate -s 20M S/sparse && printf 'end' >> S/sparse
printf 'data' | dd of=S/sparse bs=1 seek=5000000 conv=notrunc status=none
ln -s a/f1 S/b_link
ln -s /nonexistent/target S/dangling
ln -s . S/a/loop
ln S/a/f1 S/hard1
ln S/a/f1 S/ro/hard2
chmod 751 S/a/b
chmod 600 S/a/zero
chmod 4755 S/a/-rf
chmod 555 S/ro
touch -h -d '2001-02-03 04:05:06.123456789' S/dangling
touch -d '1999-12-31 23:59:59.987654321' S/a/f1 S/a/b
mkfifo S/fifo

# DST missing: it becomes the copy of S.
capture out.txt dscp -H S D
expect_eq "exit code" 0 "$rc"
grep -q 'S/fifo: skipped' err.txt || fail "the FIFO is not reported: $(cat err.txt)"
expect_eq "one message" 1 "$(wc -l < err.txt)"
diff -r --no-dereference -x fifo S D > diff.txt || fail "diff -r: $(cat diff.txt)"
tree_listing S | tr '\0' '\n' | grep -v ' ./fifo$' > want
tree_listing D | tr '\0' '\n' > got
expect_same_file "metadata listing" want got
[ "$(stat -c %i D/a/f1)" = "$(stat -c %i D/hard1)" ] || fail "-H: hard1 is not linked to a/f1"
[ "$(stat -c %i D/a/f1)" = "$(stat -c %i D/ro/hard2)" ] || fail "-H: ro/hard2 is not linked to a/f1"
[ "$(du -k D/sparse | cut -f1)" -le 100 ] || fail "the sparse file is not sparse: $(du -k D/sparse)"
cmp S/sparse D/sparse || fail "sparse content"
[ -z "$(find D -name '*.dskit-*.tmp')" ] || fail "temporaries left"

# Without -H the links are separate files with the same content.
dscp S D2 2> /dev/null
[ "$(stat -c %i D2/a/f1)" != "$(stat -c %i D2/hard1)" ] || fail "without -H hard links were linked"
cmp D2/a/f1 D2/hard1

# DST an existing directory: S goes into it, as cp -r does; a rerun of the same command finds it complete.
mkdir E
dscp S E 2> /dev/null
diff -r --no-dereference -x fifo S E/S > /dev/null || fail "copy into an existing directory"
capture sum.json dscp --json S E
expect_eq "rerun exit code" 0 "$rc"
python3 - sum.json <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["files"] == 0 and s["bytes"] == 0 and s["unchanged"] > 0 and s["skipped"] == 1, s
for k in ("files", "bytes", "skipped", "errors", "seconds", "bytes_per_s"):
    assert k in s, k
PY

# Several SRCs into a directory; a single file to a new name.
mkdir M
dscp S/a/f1 "S/sp ace" S/dangling M
cmp S/a/f1 M/f1 && [ -f "M/sp ace/--help" ] && [ "$(readlink M/dangling)" = /nonexistent/target ] ||
  fail "several sources"
dscp S/a/b/big M/renamed && cmp S/a/b/big M/renamed
expect_rc_err "several SRCs to a non-directory" 2 dscp S/a/f1 S/a/zero M/renamed
grep -q 'not a directory' err.txt || fail "message: $(cat err.txt)"
expect_rc_err "into itself" 2 dscp S S/a
expect_rc_err "-T into itself" 2 dscp -T S S/inner
expect_rc_err "-T onto itself" 2 dscp -T S S
[ ! -e S/inner ] || fail "-T into itself made S/inner"
ln -s S/a to_inside  # a DST operand that is a link to a directory inside SRC is the same (it never ended)
expect_rc_err "-T into itself through a link" 2 timeout 20 dscp -T S to_inside
rm to_inside
expect_rc_err "missing operand" 2 dscp S

# -L: links are followed; the loop is reported (exit 1) and the rest copied.
capture out.txt dscp -L -v S L
expect_eq "-L exit code with a loop" 1 "$rc"
grep -q 'S/a/loop' err.txt || fail "-L: the loop is not named: $(cat err.txt)"
[ ! -e L/a/loop ] || fail "-L: the loop was made in the copy"
grep -q 'L/a/loop' out.txt && fail "-L: the loop was listed as a change"
[ -f L/b_link ] && [ ! -L L/b_link ] && cmp S/a/f1 L/b_link || fail "-L: b_link was not followed"
cmp S/a/b/big L/a/b/big
