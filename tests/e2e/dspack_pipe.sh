# dspack ls into a pipe closed early (`| head -1`): exit 0 and no message, in text, JSON and -0, as every
# dskit tool (app::init_process ignores SIGPIPE; EPIPE is a quiet end).
. "$(dirname "$0")/lib.sh"
mkdir -p src/c
( cd src/c && seq 1 3000 | sed 's/$/.txt/' | xargs touch )
dspack build src -o p 2> /dev/null
for flags in "" "--json" "-0"; do
  set +e
  dspack ls $flags p 2> err.txt | head -c 10 > /dev/null
  rc=${PIPESTATUS[0]}
  set -e
  expect_eq "ls $flags | head: exit" 0 "$rc"
  [ -s err.txt ] && fail "ls $flags | head: a message: $(cat err.txt)"
done
echo OK
