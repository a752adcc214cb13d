# Few file descriptors: with `ulimit -n 16` and 8 workers, directories cannot all be open at once. The
# walker waits for another worker to close one and retries, so dsls lists every entry (as find does) and
# dsmanifest build every file; before, EMFILE lost whole subtrees ("Too many open files (opendir)").
. "$(dirname "$0")/lib.sh"

python3 - <<'PY'
import os
for i in range(100):
    for j in range(20):
        os.makedirs(f"R/d{i:02d}/e{j:02d}/g")
        open(f"R/d{i:02d}/e{j:02d}/g/f", "w").close()
    open(f"R/d{i:02d}/top", "w").close()
PY
find R -mindepth 1 | sort > want
expect_eq "oracle size" 6200 "$(wc -l < want)"
find R -type f | sed 's|^R/||' | sort > want_files

# Several runs: how the workers interleave differs from run to run, and every run must be complete.
for run in 1 2 3 4 5; do
  (ulimit -n 16 && exec dsls -j 8 R) > got.$run 2> err.$run || fail "dsls run $run failed: $(head -3 err.$run)"
  [ -s err.$run ] && fail "dsls run $run reported errors: $(head -3 err.$run)"
  sort got.$run > sorted.$run
  expect_same_file "dsls run $run" want sorted.$run
done
(ulimit -n 16 && exec dsmanifest build -j 8 --hash none R -o m.tsv) 2> err.build ||
  fail "build failed: $(head -3 err.build)"
tail -n +3 m.tsv | cut -f1 > got_files
expect_same_file "build" want_files got_files
echo OK
