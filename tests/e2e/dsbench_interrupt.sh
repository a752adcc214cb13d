# Ctrl-C (SIGINT) and SIGTERM stop dsbench cleanly: the files it made are removed, a report is printed, and
# the exit status is 128 + the signal; under mpirun too, when the signal reaches one rank directly (MPI's own
# threads must not take it and kill the rank before it cleans up).
. "$(dirname "$0")/lib.sh"

interrupt() {  # SIGNAL DIR CMD...: start CMD, wait until it has made files in DIR, send SIGNAL
  local sig=$1 dir=$2; shift 2
  "$@" > out.json 2> err.txt &
  local pid=$! i
  for ((i = 0; i < 200; i++)); do
    [ -n "$(find "$dir" -name 'dsbench-*' 2> /dev/null | head -1)" ] && break
    sleep 0.05
  done
  [ "$i" -lt 200 ] || { kill -KILL $pid; fail "$* made no files"; }
  sleep 0.2
  kill -"$sig" $pid
  set +e; wait $pid; rc=$?; set -e
}

mkdir ck
interrupt INT ck dsbench ckpt --dir ck --writers 2 --size 8G --buffered --no-fsync --json
expect_eq "ckpt SIGINT exit" 130 "$rc"
[ -z "$(ls -A ck)" ] || fail "ckpt left files after SIGINT: $(ls ck)"
python3 -c "import json; r = json.load(open('out.json')); assert r['removed'] and not r['complete'], r"

interrupt TERM . dsbench randread --prepare prep --files 20000 --size 64k --threads 2 --json
expect_eq "prepare SIGTERM exit" 143 "$rc"
[ ! -e prep ] || fail "--prepare left prep after SIGTERM ($(find prep | wc -l) entries)"

mkdir md
interrupt INT md dsbench meta --dir md --files 1000000 --threads 2 --json
expect_eq "meta SIGINT exit" 130 "$rc"
[ -z "$(ls -A md)" ] || fail "meta left files after SIGINT"
python3 -c "import json; r = json.load(open('out.json')); assert r['interrupted'] and r['removed'], r"

# One rank of an mpirun job gets SIGINT itself: the job stops, every rank's files are removed, exit 130.
if command -v mpirun > /dev/null; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"  # Open MPI's allocations are held at exit
  mkdir ckm
  timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$(command -v dsbench)" ckpt --dir ckm --writers 1 \
    --size 8G --buffered --no-fsync --json > out.json 2> err.txt &
  job=$!
  for ((i = 0; i < 200; i++)); do
    [ "$(find ckm -name 'dsbench-*' 2> /dev/null | wc -l)" -ge 2 ] && break
    sleep 0.05
  done
  [ "$i" -lt 200 ] || { kill -KILL $job; fail "mpirun ckpt made no files"; }
  sleep 0.2
  rank=
  for p in $(pgrep -x dsbench || true); do  # a rank of this test's job: a dsbench working in this directory
    [ "$(readlink "/proc/$p/cwd" || true)" = "$PWD" ] && rank=$p
  done
  [ -n "$rank" ] || { kill -KILL $job; fail "no dsbench rank found"; }
  kill -INT "$rank"
  set +e; wait $job; rc=$?; set -e
  expect_eq "mpirun ckpt, one rank SIGINT: exit" 130 "$rc"
  [ -z "$(ls -A ckm)" ] || fail "mpirun ckpt left files after SIGINT to a rank: $(ls ckm)"
fi
echo OK
