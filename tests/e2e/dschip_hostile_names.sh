# Hostile input names (issue 12 item 3): chips of "...png", "..png", ".hidden.png" and "chips.tsv.png" stay
# inside OUT, apart from the manifest and from each other; two inputs with one stem both get chips; the
# manifest has no "../" row; a symbolic link planted at OUT/STEM is not written through.
. "$(dirname "$0")/lib.sh"
need_vips
command -v python3 >/dev/null || fail "python3 is required"
noise_rgb n3.v 448 224 128 40
mkdir -p in/a in/b work
vips pngsave n3.v in/a/x.png
cp in/a/x.png in/b/x.png
cp in/a/x.png "in/a/...png"
cp in/a/x.png "in/a/..png"
cp in/a/x.png "in/a/.hidden.png"
cp in/a/x.png "in/a/chips.tsv.png"
echo keep >work/0_0.jpg  # what a chip of "...png" would replace in OUT's parent

dschip "in/a/...png" "in/a/..png" in/a/.hidden.png in/a/chips.tsv.png in/a/x.png in/b/x.png -o work/out \
  --no-mask >/dev/null 2>err || fail "dschip failed: $(cat err)"
expect_eq "OUT's parent untouched" "keep" "$(cat work/0_0.jpg)"
expect_eq "nothing beside OUT" "0_0.jpg out" "$(cd work && echo *)"
[ -z "$(find work/out -maxdepth 1 -type f ! -name chips.tsv)" ] || fail "chips directly in OUT: $(ls -a work/out)"
head -1 work/out/chips.tsv | grep -q '^#dskit-manifest' || fail "chips.tsv is not the manifest"
python3 - work/out/chips.tsv <<'PY' || fail "manifest rows"
import os, sys
rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()[2:]]
assert len(rows) == 12, len(rows)             # 6 images x 2 chips
out = os.path.realpath(os.path.dirname(sys.argv[1]))
dirs = set()
for r in rows:
    p = r[0]
    assert not p.startswith('.') and '/../' not in '/' + p and not p.startswith('/'), p
    f = os.path.realpath(os.path.join(out, p))
    assert f.startswith(out + '/') and os.path.isfile(f), p
    dirs.add(p.split('/')[0])
assert len(dirs) == 6, dirs                   # one directory per input, none shared
PY

# A symbolic link planted where a chip directory goes: refused for that image, nothing written through it.
mkdir victim
mkdir -p out2
ln -s ../victim out2/x
expect_rc "planted symlink" 1 dschip in/a/x.png "in/a/..png" -o out2 --no-mask >/dev/null 2>err
grep -q 'out2/x is a symbolic link' err || fail "planted symlink not named: $(cat err)"
expect_eq "nothing through the link" "" "$(ls victim)"
[ -n "$(ls out2/_.)" ] || fail "the other image was not chipped"
