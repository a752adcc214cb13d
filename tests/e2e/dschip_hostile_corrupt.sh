# Corrupt data never becomes chips (issue 12 item 8): a truncated JPEG input is an error for that image (it
# used to give flat grey chips and exit 0); --resume checks every kept chip against the size and hash in
# chips.tsv, so a chip truncated to a third of its size is made again, not kept.
. "$(dirname "$0")/lib.sh"
need_vips
noise_rgb g3u.v 448 448 128 40
vips jpegsave g3u.v whole.jpg --Q 90
head -c $(($(stat -c %s whole.jpg) * 6 / 10)) whole.jpg >cut.jpg
vips pngsave g3u.v good.png

expect_rc "truncated JPEG" 1 dschip cut.jpg whole.jpg good.png -o out --no-mask >/dev/null 2>err
grep -q '^dschip: cut.jpg: corrupt data (truncated JPEG: no end-of-image marker)' err || fail "truncated: $(cat err)"
expect_eq "error lines" 1 "$(wc -l <err)"
[ ! -e out/cut ] || [ -z "$(ls out/cut)" ] || fail "chips of the truncated JPEG: $(ls out/cut)"
expect_eq "other images chipped" "4 4" "$(ls out/whole | wc -l) $(ls out/good | wc -l)"

# --resume: a chip cut to a third keeps its header (it still decodes to 224 x 224) but not its hash.
dschip good.png -o res --no-mask >/dev/null
cp -r res before
head -c $(($(stat -c %s before/good/224_224.jpg) / 3)) before/good/224_224.jpg >res/good/224_224.jpg
dschip good.png -o res --no-mask --resume --json >r.json
grep -q '"chips":4,"resumed":3,' r.json || fail "resume counts: $(cat r.json)"
expect_same_file "chip made again" before/good/224_224.jpg res/good/224_224.jpg
expect_eq "manifest hashes" "$(cut -f1,2,5 before/chips.tsv | tail -n +3)" "$(cut -f1,2,5 res/chips.tsv | tail -n +3)"
# The same chip with a different byte of the same size: the hash tells.
printf 'X' | dd of=res/good/0_0.jpg bs=1 seek=300 conv=notrunc 2>/dev/null
dschip good.png -o res --no-mask --resume --json >r.json
grep -q '"chips":4,"resumed":3,' r.json || fail "resume after a changed byte: $(cat r.json)"
expect_same_file "chip made again" before/good/0_0.jpg res/good/0_0.jpg
# Without chips.tsv (a run killed before writing it), a truncated JPEG chip is still not kept.
rm res/chips.tsv
head -c 2000 before/good/0_224.jpg >res/good/0_224.jpg
dschip good.png -o res --no-mask --resume --json >r.json
grep -q '"chips":4,"resumed":3,' r.json || fail "resume without a manifest: $(cat r.json)"
expect_same_file "chip made again" before/good/0_224.jpg res/good/0_224.jpg
