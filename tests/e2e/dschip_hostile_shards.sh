# Tar shards on hostile names and interruptions (issue 12 item 9): two inputs with one stem give distinct
# members; a stem over 100 bytes is stored whole in a pax header that GNU tar and Python's tarfile read; a
# SIGINT completes the shard being written, leaves no temporary file and writes chips.tsv for exactly the
# chips in the shards (tests/e2e/dschip_resume_shards.sh resumes such a run).
. "$(dirname "$0")/lib.sh"
need_vips
command -v python3 >/dev/null || fail "python3 is required"
noise_rgb g3u.v 448 448 128 40
mkdir a b
vips pngsave g3u.v a/x.png
cp a/x.png b/x.png
long=$(printf 'l%.0s' $(seq 150))
cp a/x.png "$long.png"
cp a/x.png a.b.png
cp a/x.png a_b.png

dschip a/x.png b/x.png "$long.png" a.b.png a_b.png -o tars --no-mask --shard-size 7 >/dev/null 2>err ||
  fail "dschip: $(cat err)"
python3 - tars "$long" <<'PY' || fail "shard members"
import glob, sys, tarfile
names = []
for t in sorted(glob.glob(sys.argv[1] + '/shard-*.tar')):
    with tarfile.open(t) as tf:
        names += tf.getnames()
assert len(names) == 20, names                      # 5 inputs x 4 chips
assert len(set(names)) == 20, sorted(names)         # no member twice
keys = {n.split('.')[0].rsplit('_', 2)[0] for n in names}
assert len(keys) == 5, keys                          # five distinct WebDataset sample prefixes
assert any(n.startswith(sys.argv[2] + '_') for n in names), names  # the long stem whole
rows = [l.split('\t')[0] for l in open(sys.argv[1] + '/chips.tsv').read().splitlines()[2:]]
assert sorted(rows) == sorted(names), (rows, names)
PY
tar -tf tars/shard-000000.tar >/dev/null || fail "GNU tar cannot read the shard"
[ "$(for t in tars/shard-*.tar; do tar -tf "$t"; done | grep -c "^$long")" -eq 4 ] || fail "GNU tar: long names"

# SIGINT once the first shard exists: the run stops, the last shard is completed, the manifest lists it.
# The run is stopped (SIGSTOP) as soon as the shard appears and interrupted while stopped, so a fast machine
# cannot finish the 280,000 chips between the poll and the signal.
noise_rgb big3u.v 6000 3000 128 40
vips pngsave big3u.v big.png
dschip big.png -o int --no-mask --shard-size 500 -s 8 -f png -j 1 >/dev/null 2>err &
pid=$!
for _ in $(seq 3000); do [ -e int/shard-000000.tar ] && break; sleep 0.02; done
kill -STOP $pid 2>/dev/null || fail "dschip ended before it could be interrupted: $(cat err)"
[ -e int/shard-000000.tar ] || fail "no shard after 60 s"
kill -INT $pid
kill -CONT $pid
set +e; wait $pid; rc=$?; set -e
expect_eq "exit code after SIGINT" 130 "$rc"
grep -q '^dschip: interrupted; the [0-9]* chips made are listed in int/chips.tsv' err || fail "interrupt message: $(cat err)"
[ -z "$(find int -name '.*')" ] || fail "temporary files left: $(find int -name '.*')"
python3 - int <<'PY' || fail "manifest after SIGINT"
import glob, sys, tarfile
names = []
for t in sorted(glob.glob(sys.argv[1] + '/shard-*.tar')):
    with tarfile.open(t) as tf:
        names += tf.getnames()
rows = [l.split('\t')[0] for l in open(sys.argv[1] + '/chips.tsv').read().splitlines()[2:]]
assert 0 < len(rows) < 3000 * 3000 // 256, len(rows)
assert sorted(rows) == sorted(names), (len(rows), len(names))
PY
