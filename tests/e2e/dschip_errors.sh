# Bad input gets one clear line naming the file and the cause, the other images go on, and the exit code
# says what happened: a corrupt tile, a truncated TIFF, an unsupported file, an image smaller than a chip,
# a missing level or resolution, a full disk (no partial chip left behind), bad options.
. "$(dirname "$0")/lib.sh"
command -v vips >/dev/null || fail "vips is required (libvips-tools)"
vips gaussnoise n.v 1000 700 --mean 128 --sigma 50
vips bandjoin "n.v n.v n.v" nf.v
vips cast nf.v n3.v uchar
vips tiffsave n3.v good.tif --tile --tile-width 256 --tile-height 256 --compression jpeg
vips pngsave n3.v good.png
cp good.tif corrupt.tif
dd if=/dev/zero of=corrupt.tif bs=1 seek=200000 count=30000 conv=notrunc 2>/dev/null
cp good.tif truncated.tif
truncate -s 300000 truncated.tif
echo "not an image" >notes.txt
vips crop n3.v small.v 0 0 100 80
vips pngsave small.v small.png

expect_rc "bad inputs" 1 dschip corrupt.tif truncated.tif notes.txt small.png good.png -o out --no-mask 2>err
grep -q '^dschip: corrupt.tif: tile [0-9]* (column [0-9]*, row [0-9]*) of level 0: corrupt data' err ||
  fail "corrupt tile not named: $(cat err)"
grep -q '^dschip: truncated.tif: .*directory' err || fail "truncated TIFF: $(cat err)"
grep -q '^dschip: notes.txt: unsupported image format' err || fail "unsupported: $(cat err)"
grep -q '^dschip: small.png: the image (100x80 at the chip scale) is smaller than a 224x224 chip; use --edge pad' err ||
  fail "small: $(cat err)"
expect_eq "error lines" 4 "$(wc -l <err)"
expect_eq "good image chipped" 12 "$(ls out/good | wc -l)"
[ -s out/chips.tsv ] || fail "no manifest after partial failure"

expect_rc "missing level" 1 dschip good.png -o lv --level 3 2>err
grep -q 'good.png: level 3 does not exist (the image has 1 level)' err || fail "level: $(cat err)"
expect_rc "no mpp" 1 dschip good.png -o mp --mpp 0.5 2>err
grep -q 'good.png: the file gives no microns per pixel' err || fail "mpp: $(cat err)"

# A write failure (here the file-size limit: EFBIG) stops the run with exit 3 and leaves no partial chip.
expect_rc "write failure" 3 bash -c 'trap "" XFSZ; ulimit -f 8; exec dschip good.png -o full -f png --no-mask' 2>err
grep -q '^dschip: full/good/[0-9_]*\.png: File too large (write)' err || fail "write failure message: $(cat err)"
[ -z "$(find full -name '.*')" ] || fail "temporary files left: $(find full -name '.*')"
for f in $(find full -name '*.png'); do vipsheader "$f" >/dev/null || fail "partial chip $f"; done
[ ! -e full/chips.tsv ] || fail "manifest written after a write failure"

expect_rc "missing input" 2 dschip nothere.tif -o x 2>err
grep -q 'nothere.tif' err || fail "missing input not named"
expect_rc "no output" 2 dschip good.png
expect_rc "bad size" 2 dschip good.png -o x --size 0
expect_rc "bad edge" 2 dschip good.png -o x --edge wrap
expect_rc "bad format" 2 dschip good.png -o x --format gif
expect_rc "bad quality" 2 dschip good.png -o x --quality 101
expect_rc "bad roi" 2 dschip good.png -o x --roi 1,2,3
expect_rc "level and mpp" 2 dschip good.png -o x --level 1 --mpp 0.5
expect_rc "bad reader" 2 dschip good.png -o x --reader vips
expect_rc "bad coords" 2 bash -c 'echo "1 x" >c.txt; exec dschip good.png -o x --coords c.txt'
