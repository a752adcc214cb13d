#!/usr/bin/env bash
# --cached-attrs: on a local filesystem the attributes are always current, so -l output is unchanged.
. "$(dirname "$0")/lib.sh"
mkdir -p R/a/b R/c
for i in $(seq 1 50); do head -c $((i * 37)) /dev/zero > "R/a/f$i"; done
printf 'xyz' > R/a/b/small
ln -s a R/link
dsls -l --sort R > plain.txt
dsls -l --sort --cached-attrs -j 8 R > cached.txt
expect_same_file "--cached-attrs -l" plain.txt cached.txt
TZ=UTC find R -mindepth 1 -printf '%s\t%p\n' | sort > find.txt
cut -f1,3 cached.txt | sort > got.txt
expect_same_file "--cached-attrs sizes vs find" find.txt got.txt
# Sizes change between runs and --cached-attrs sees the new ones (the kernel's cache is coherent locally).
head -c 4242 /dev/zero > R/a/b/small
dsls -l --cached-attrs R/a/b > after.txt
expect_eq "size after rewrite" "4242" "$(cut -f1 after.txt)"
echo "ok"
