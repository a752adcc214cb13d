# dschip --resume with --shard-size (issue 12 item 9): a sharded run stopped halfway (SIGINT, which
# completes the shard being written and writes chips.tsv; kill -9, which leaves neither) and resumed ends
# with the shards and chips.tsv of an uninterrupted run, byte for byte. Chips in shards chips.tsv lists are
# reused (not decoded and encoded again) when their bytes match its size and hash; a damaged shard member is
# made again. Python's tarfile is the oracle for the shards' contents. (--resume with shards used to be
# refused.)
. "$(dirname "$0")/lib.sh"
need_vips
noise_rgb n.v 1536 1024 128 40 120 30 140 50
vips pngsave n.v big.png
opts=(--size 64 --shard-size 40 --no-mask --threads 1 --format jpg)
dschip big.png -o ref "${opts[@]}" > /dev/null
nshards=$(ls ref/shard-*.tar | wc -l)
[ "$nshards" -eq 10 ] || fail "reference: $nshards shards"

# tar_list DIR: every member of DIR's shards (Python's tarfile): shard, name, size, sha256 of the data.
tar_list() {
  python3 - "$1" << 'EOF'
import hashlib, sys, tarfile, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).glob('shard-*.tar')):
    with tarfile.open(p) as t:
        for m in t.getmembers():
            print(p.name, m.name, m.size, hashlib.sha256(t.extractfile(m).read()).hexdigest())
EOF
}
tar_list ref > ref.list
# same_as_ref DIR: DIR's shards and chips.tsv rows are the reference's.
same_as_ref() {
  expect_eq "$1: shards" "$(cd ref && ls shard-*.tar)" "$(cd "$1" && ls shard-*.tar)"
  for s in ref/shard-*.tar; do expect_same_file "$1: ${s#ref/}" "$s" "$1/${s#ref/}"; done
  tar_list "$1" > "$1.list"
  expect_same_file "$1: members (tarfile)" ref.list "$1.list"
  expect_same_file "$1: chips.tsv rows" <(tail -n +2 ref/chips.tsv) <(tail -n +2 "$1/chips.tsv")
}

# stop_halfway SIGNAL DIR: starts a run into DIR and sends SIGNAL once its third shard is complete.
stop_halfway() {
  dschip big.png -o "$2" "${opts[@]}" > /dev/null 2>&1 &
  local pid=$! i
  for i in $(seq 1 3000); do
    [ -e "$2/shard-000002.tar" ] && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.01
  done
  kill "-$1" "$pid" 2> /dev/null || true
  wait "$pid" || true
}

# SIGINT: chips.tsv lists the shards made; the resumed run reuses their chips.
stop_halfway INT int
[ -s int/chips.tsv ] || fail "SIGINT: no chips.tsv"
made=$(ls int/shard-*.tar | wc -l)
dschip big.png -o int "${opts[@]}" --resume --json > r.json
same_as_ref int
if [ "$made" -lt "$nshards" ]; then
  grep -q '"resumed":[1-9]' r.json || fail "SIGINT: nothing reused ($made shards were made): $(cat r.json)"
fi

# kill -9: no chips.tsv, so every shard is made again; the result is the same.
stop_halfway KILL k9
dschip big.png -o k9 "${opts[@]}" --resume > /dev/null
same_as_ref k9
[ -z "$(ls -A k9 | grep -v -e '^shard-[0-9]*\.tar$' -e '^chips\.tsv$' -e '^big$')" ] || fail "k9 leftovers: $(ls -A k9)"

# A complete earlier run with one member damaged (same size) and one shard cut short: the damaged chip
# and the cut shard are made again, everything else reused.
cp -r ref dmg
python3 - dmg/shard-000001.tar << 'EOF'
import sys, tarfile
p = sys.argv[1]
with tarfile.open(p) as t:
    m = t.getmembers()[5]
with open(p, 'r+b') as f:
    f.seek(m.offset_data + m.size // 2)
    b = f.read(1)
    f.seek(m.offset_data + m.size // 2)
    f.write(bytes([b[0] ^ 0x55]))
EOF
truncate -s 20000 dmg/shard-000004.tar
dschip big.png -o dmg "${opts[@]}" --resume --json > r.json
same_as_ref dmg
total=$(($(wc -l < ref/chips.tsv) - 2))
grep -q "\"resumed\":$((total - 41))," r.json || fail "damaged: expected $((total - 41)) of $total reused: $(cat r.json)"
