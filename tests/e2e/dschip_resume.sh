# --resume keeps verified chips, re-makes missing and damaged ones, and ends with the same chips and an
# equivalent manifest; dsmanifest verify accepts the chip manifest.
. "$(dirname "$0")/lib.sh"
command -v vips >/dev/null || fail "vips is required (libvips-tools)"
vips gaussnoise n.v 800 600 --mean 128 --sigma 50
vips bandjoin "n.v n.v n.v" nf.v
vips cast nf.v n3.v uchar
vips pngsave n3.v img.png

dschip img.png -o out --no-mask -s 200 -f png >/dev/null
cp -r out before
rm out/img/200_200.png out/img/600_400.png
head -c 100 before/img/0_0.png >out/img/0_0.png  # a truncated chip
dschip img.png -o out --no-mask -s 200 -f png --resume --json >r.json
grep -q '"chips":12,"resumed":9,' r.json || fail "resume counts: $(cat r.json)"
for f in before/img/*.png; do expect_same_file "chip" "$f" "out/img/$(basename "$f")"; done
expect_eq "manifest hashes" "$(cut -f1,2,5 before/chips.tsv | tail -n +3)" "$(cut -f1,2,5 out/chips.tsv | tail -n +3)"
[ -z "$(find out -name '.*.tmp')" ] || fail "temporary files left"
if command -v dsmanifest >/dev/null; then dsmanifest verify out/chips.tsv >/dev/null || fail "dsmanifest verify"; fi
