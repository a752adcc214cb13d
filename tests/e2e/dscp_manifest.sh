# dscp --manifest: the listed files copied from the manifest's root (or --root) with their hashes checked
# while copying; a file changed after the manifest was built is reported (exit 1) and not left under its
# name; --write-manifest gives a manifest that `dsmanifest verify` accepts at once; --rank/--world copy
# exactly the rows `dsmanifest shard` gives each rank, and the shares together are the whole manifest.
. "$(dirname "$0")/lib.sh"

mkdir -p S/c1 S/c2 S/unlisted
for i in $(seq 1 30); do head -c $((i * 997)) /dev/urandom > S/c$((i % 2 + 1))/f$i; done
printf 'x\n' > "S/c1/new
line"
dsmanifest build S -o m.tsv 2> /dev/null
printf 'later\n' > S/unlisted/late

dscp --manifest m.tsv --write-manifest w.tsv D
[ ! -e D/unlisted/late ] || fail "a file the manifest does not list was copied"
diff -r -x unlisted S D > diff.txt || fail "manifest copy: $(cat diff.txt)"
expect_rc_err "dsmanifest verify of the written manifest" 0 dsmanifest verify w.tsv
[ "$(cut -f1 m.tsv | tail -n +2 | sort)" = "$(cut -f1 w.tsv | tail -n +2 | sort)" ] ||
  fail "the written manifest lists other paths"

# --root: the same files elsewhere.
cp -a S S2
dscp --manifest m.tsv --root S2 D2
diff -r -x unlisted S2 D2 > /dev/null || fail "--root copy"

# A file changed after the manifest (same size): reported, exit 1, not under its name, the rest copied.
head -c $((7 * 997)) /dev/urandom > S/c2/f7
capture out.txt dscp --manifest m.tsv D3
expect_eq "exit code with a changed file" 1 "$rc"
grep -q 'S/c2/f7: .*content differs from the manifest' err.txt || fail "message: $(cat err.txt)"
[ ! -e D3/c2/f7 ] || fail "the changed file has its name in the copy"
[ -z "$(find D3 -name '*.dskit-*.tmp')" ] || fail "temporaries left"
cmp S/c1/f2 D3/c1/f2 || fail "the other files were not copied"

# Shares: each rank's files are exactly `dsmanifest shard`'s rows; together they are the whole manifest.
for r in 0 1 2; do
  dscp --manifest m.tsv --root S2 --rank $r --world 3 --seed 7 --epoch 2 R$r
  dsmanifest shard m.tsv --rank $r --world 3 --seed 7 --epoch 2 -o share$r.tsv
  (cd R$r && find . -type f -printf '%P\n' | sort) > got$r
  grep -v '^#' share$r.tsv | tail -n +2 | cut -f1 | sed 's/\\n/\n/' | sort > want$r
  expect_same_file "rank $r share" want$r got$r
done
sort -m got0 got1 got2 | sort > all
(cd S2 && find . -type f ! -path './unlisted/*' -printf '%P\n' | sort) > want_all
expect_same_file "union of the shares" want_all all

# --write-manifest lists every file copied, one whose path is longer than PATH_MAX too (it was dropped
# silently: the row was looked up by path).
/usr/bin/python3 - << 'PY'
import os
fd = os.open(".", os.O_RDONLY)
for name in ["L"] + ["d" * 250] * 18:
    try:
        os.mkdir(name, dir_fd=fd)
    except FileExistsError:
        pass
    nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
w = os.open("deep", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(w, b"deep\n")
os.close(w)
PY
echo short > L/short
dsmanifest build L -o long.tsv 2> /dev/null
expect_eq "rows of the long manifest" 2 "$(tail -n +3 long.tsv | wc -l)"
capture out.txt dscp --manifest long.tsv --write-manifest wlong.tsv DL
expect_eq "exit code with a long path" 0 "$rc"
expect_eq "rows of the written manifest" "$(tail -n +3 long.tsv | cut -f1 | sort)" \
  "$(tail -n +3 wlong.tsv | cut -f1 | sort)"
expect_rc_err "dsmanifest verify of the long written manifest" 0 dsmanifest verify wlong.tsv

# Links planted in DST where the manifest's files have directories are replaced, never followed (it was an
# error, "Too many levels of symbolic links", exit 3), deep ones too.
mkdir -p PL/c2 outside
ln -s "$T/outside" PL/c1
ln -s "$T/outside" PL/c2/deep
capture out.txt dscp --manifest m.tsv --root S2 PL
expect_eq "exit code with planted directory links" 0 "$rc"
[ -z "$(ls -A outside)" ] || fail "written through a planted link: $(ls -A outside)"
[ -d PL/c1 ] && [ ! -L PL/c1 ] && cmp S2/c1/f2 PL/c1/f2 || fail "the planted link PL/c1 was not replaced"

# A row leaving the root is refused with a message that names no option dscp lacks.
{ head -2 m.tsv; printf '../x\t1\t0\t0\t%s\n' "$(tail -1 m.tsv | cut -f5)"; } | cut -f1-5 > bad.tsv
expect_rc_err "a row leaving the root" 2 dscp --manifest bad.tsv BAD
grep -q 'leaves the root' err.txt || fail "message: $(cat err.txt)"
grep -q 'allow-outside-root' err.txt && fail "the message names an option dscp lacks: $(cat err.txt)"
true
