# dspack verify finds a flipped byte (exit 1, the shard and member named) and a truncated shard; unpack
# writes the packed files back byte-identical (diff -r), the .cls members only with --all, and never outside
# its directory: hostile paths in index.tsv ("..", absolute) are refused, a symlink in the directory is not
# followed, an existing file is not overwritten.
. "$(dirname "$0")/lib.sh"
mkdir -p src/cat src/dog/sub
for i in 1 2 3 4 5 6; do head -c $((i * 500)) /dev/urandom > src/cat/$i.jpg; echo "$i" > src/cat/$i.json; done
printf 'd' > src/dog/sub/one.png
printf 'n' > src/dog/"$(printf 'new\nline')".jpg
dspack build src -o pack --shard-size 6k 2> /dev/null
err_is "clean pack" 0 "0 problems" dspack verify pack
# unpack: the source files back, byte for byte; --all adds the .cls members.
dspack unpack pack -o out 2> /dev/null
diff -r src out || fail "unpack differs from the source"
dspack unpack pack -o all --all 2> /dev/null
expect_eq ".cls members with --all" 8 "$(find all -name "*.cls" -print0 | tr -cd "\\0" | wc -c)"
expect_eq ".cls content" 0 "$(cat all/cat/3.cls)"
expect_eq ".cls content" 1 "$(cat all/dog/sub/one.cls)"
# An existing file is not overwritten; a symlink in the directory is not followed.
err_is "existing files" 1 "File exists" dspack unpack pack -o out
mkdir out2 elsewhere
ln -s ../elsewhere out2/cat
err_is "symlink in the output" 1 "out2/cat/1.jpg" dspack unpack pack -o out2
[ -z "$(ls -A elsewhere)" ] || fail "unpack wrote through a symlink: $(ls elsewhere)"
# A flipped data byte: exit 1, the shard and the member named.
cp -r pack bad
off=$(awk -F'\t' '$1 == "cat/4.jpg" { print $6 " " $5 }' bad/index.tsv)
set -- $off
printf '\x55' | dd of="bad/$2" bs=1 seek=$(($1 + 10)) conv=notrunc status=none
err_is "flipped byte" 1 "$2: cat/4.jpg: content differs" dspack verify bad
# A truncated shard.
cp -r pack cut
truncate -s 1000 cut/shard-000000.tar
err_is "truncated shard" 1 "shard-000000.tar" dspack verify cut
# Hostile paths in index.tsv: "..", absolute (the manifest reader refuses the index: exit 2), "." or empty
# components (unpack refuses the member: exit 1); nothing is written outside the directory.
mkdir -p deep/x
for bad in ../../escaped.jpg /tmp/abs-escaped.jpg; do
  rm -rf evil && cp -r pack evil
  awk -F'\t' -v bad="$bad" 'BEGIN { OFS = "\t" } NR > 2 && $1 == "cat/1.jpg" { $1 = bad } { print }' pack/index.tsv > evil/index.tsv
  err_is "hostile path $bad" 2 "leaves the root" dspack unpack evil -o deep/x/u
done
for bad in cat/./1.jpg cat//1.jpg; do
  rm -rf evil deep/x/u && cp -r pack evil
  awk -F'\t' -v bad="$bad" 'BEGIN { OFS = "\t" } NR > 2 && $1 == "cat/1.jpg" { $1 = bad } { print }' pack/index.tsv > evil/index.tsv
  err_is "hostile path $bad" 1 "$bad: .*leaves the directory" dspack unpack evil -o deep/x/u
done
[ ! -e escaped.jpg ] && [ ! -e deep/escaped.jpg ] && [ ! -e /tmp/abs-escaped.jpg ] || fail "unpack wrote outside its directory"
echo OK
