# dspack build streams a member larger than its read-ahead threshold (16 MiB) into the shard in chunks
# instead of holding it whole: a 600 MiB sparse file packs and verifies under `ulimit -v 400000` (it ran out
# of memory), with the hash xxhsum gives; skipped in sanitizer builds (no ulimit -v applies to them).
. "$(dirname "$0")/lib.sh"
if sanitized_build "$DSKIT_BIN/dspack"; then echo "sanitizer build: skipped"; exit 0; fi
mkdir -p src/c
truncate -s 600M src/c/big.bin
head -c 20000 /dev/urandom > src/c/small.bin
set +e
(ulimit -v 400000 && dspack build src -o p 2> err.txt)
rc=$?
set -e
expect_eq "build exit ($(cat err.txt))" 0 "$rc"
want=$(xxhsum -H2 < src/c/big.bin | cut -d' ' -f1)
expect_eq "the big member's hash" "$want" "$(awk -F'\t' '$1 == "c/big.bin" { print $3 }' p/index.tsv)"
set +e
(ulimit -v 400000 && dspack verify p 2> verr.txt)
rc=$?
set -e
expect_eq "verify exit ($(cat verr.txt))" 0 "$rc"
# The streamed member is where a tar reader finds it.
expect_eq "tar listing" "c/big.bin c/big.cls c/small.bin c/small.cls" "$(for s in p/*.tar; do tar -tf $s; done | sort | tr '\n' ' ' | sed 's/ $//')"
echo OK
