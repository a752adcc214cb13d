# Images built to exhaust memory (issue 12 item 4) fail alone with a message and the batch goes on (exit 1,
# the other images chipped, chips.tsv written), instead of an abort: a 150-byte TIFF claiming one tile of
# 10^6 x 10^6 pixels, a 1.6 MB PNG that decodes to 3 GB (also as --mask), --mpp 0.0001 on a 1 um/px scan,
# and an image that does not fit a small `ulimit -v`. --max-pixels moves the decoding budget.
. "$(dirname "$0")/lib.sh"
need_vips
command -v python3 >/dev/null || fail "python3 is required"
noise_rgb g3u.v 448 448 128 40
vips pngsave g3u.v good.png
python3 - <<'PY'
import struct, zlib
# huge.tif: little-endian TIFF, 10^6 x 10^6 RGB in one 10^6 x 10^6 tile of 16 bytes.
W = H = 1000000
e = sorted([(256, 4, 1, W), (257, 4, 1, H), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 2), (277, 3, 1, 3),
            (322, 4, 1, W), (323, 4, 1, H), (324, 4, 1, 134), (325, 4, 1, 16)])
ifd = struct.pack('<H', len(e)) + b''.join(struct.pack('<HHII', *x) for x in e) + struct.pack('<I', 0)
d = b'II*\x00' + struct.pack('<I', 8) + ifd
open('huge.tif', 'wb').write(d + b'\x00' * (134 - len(d)) + b'\x00' * 16)
# big.png: 32000 x 32000 grey zeros in 1.6 MB (every row compressed alone after a full flush, repeated).
w = h = 32000
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
c = zlib.compressobj(9)
row = b'\x00' * (w + 1)
head = c.compress(b'') + c.flush(zlib.Z_FULL_FLUSH)
one = c.compress(row) + c.flush(zlib.Z_FULL_FLUSH)
adler = 1
for _ in range(h): adler = zlib.adler32(row, adler)
idat = head + one * h + c.flush()
idat = idat[:-4] + struct.pack('>I', adler & 0xffffffff)
open('big.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) +
                            chunk(b'IDAT', idat) + chunk(b'IEND', b''))
PY
[ "$(stat -c %s huge.tif)" -lt 200 ] || fail "huge.tif is $(stat -c %s huge.tif) bytes"
[ "$(stat -c %s big.png)" -lt 2000000 ] || fail "big.png is $(stat -c %s big.png) bytes"
# 3 GB of address space: enough for dschip, not for what these files claim (a sanitizer build reserves
# terabytes of address space: there the budget alone is tested, without the limit).
if sanitized_build "$DSKIT_BIN/dschip"; then
  limited() { "$@"; }
else
  limited() { (ulimit -v 3000000; exec "$@"); }
fi

expect_rc "huge TIFF and PNG" 1 limited dschip huge.tif big.png good.png -o out --no-mask 2>err
grep -q '^dschip: huge.tif: the image is decoded in one piece of 1000000x1000000 pixels, above the decoding budget of 268435456 pixels (--max-pixels)' err ||
  fail "huge TIFF: $(cat err)"
grep -q '^dschip: big.png: image is 32000x32000 pixels, above the decoding budget of 268435456 pixels (--max-pixels)' err ||
  fail "big PNG: $(cat err)"
expect_eq "good image chipped" 4 "$(ls out/good | wc -l)"
expect_eq "manifest rows" 4 "$(tail -n +3 out/chips.tsv | wc -l)"

expect_rc "huge mask" 1 limited dschip good.png -o mo --mask big.png 2>err
grep -q '^dschip: good.png: big.png: cannot read the mask image: image is 32000x32000 pixels, above the decoding budget' err ||
  fail "huge mask: $(cat err)"

# --mpp 0.0001 on a 1 um/px scan: refused as an upscale, and even allowed, the grid is bounded.
cp good.png scan.png
vips tiffsave g3u.v scan.tif --tile --xres 1000 --yres 1000
expect_rc "tiny mpp" 1 limited dschip scan.tif good.png -o mp --no-mask --mpp 0.0001 2>err
grep -q '^dschip: scan.tif: --mpp 0.0001 is finer than the image (1 um/px): chips would be upscaled 1e+04x; add --allow-upscale' err ||
  fail "tiny mpp: $(cat err)"
expect_rc "tiny mpp allowed" 1 limited dschip scan.tif -o mp2 --no-mask --mpp 0.0001 --allow-upscale 2>err
grep -q '^dschip: scan.tif: the grid would have about .* chips, above the limit of 67108864 per image' err ||
  fail "tiny mpp allowed: $(cat err)"

# A small address space: the image that does not fit fails alone (here a 10000 x 10000 PNG, 300 MB decoded).
python3 - <<'PY'
import struct, zlib
w = h = 10000
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
raw = (b'\x00' + b'\x80' * w) * h
open('mid.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) +
                            chunk(b'IDAT', zlib.compress(raw, 1)) + chunk(b'IEND', b''))
PY
if ! sanitized_build "$DSKIT_BIN/dschip"; then
  expect_rc "small ulimit -v" 1 bash -c 'ulimit -v 300000; exec dschip mid.png good.png -o lim --no-mask -j 2' 2>err
  grep -q '^dschip: mid.png: cannot decode the image (.*Insufficient memory' err || fail "small ulimit: $(cat err)"
  expect_eq "good image chipped under the limit" 4 "$(ls lim/good | wc -l)"
fi

# --max-pixels: a lower budget refuses the good image too, with the number given.
expect_rc "budget flag" 1 dschip good.png -o mx --no-mask --max-pixels 100000 2>err
grep -q '^dschip: good.png: image is 448x448 pixels, above the decoding budget of 100000 pixels' err ||
  fail "--max-pixels: $(cat err)"
expect_rc "budget flag zero" 2 dschip good.png -o mx --max-pixels 0 2>/dev/null
