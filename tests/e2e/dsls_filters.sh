# Every dsls filter against the equivalent GNU find expression: -t (repeatable), -d, --min-depth, --name,
# --regex, --exclude (pruning directories), --no-hidden, -S +N/-N/N with units, --newer/--older with a date
# and with a duration. PATH comes first here; option-before-PATH parsing is tested in dsls_cli.sh.
. "$(dirname "$0")/lib.sh"

mkdir -p R/cat/sub/subsub R/dog/cache/deep R/.git/objects R/cat/.cache R/empty R/bird/cache
for s in 0 1 1023 1024 1025 10240 1048575 1048576 1048577 3145728; do
  truncate -s "$s" "R/cat/img_$s.jpg"
  truncate -s "$s" "R/dog/sub_$s.PNG"
done
truncate -s 2048 R/cat/sub/a.jpg R/cat/sub/subsub/b.txt R/dog/cache/c.jpg R/dog/cache/deep/d.jpg \
  R/.git/objects/o R/cat/.cache/x.jpg R/.hidden.jpg R/bird/cache/e.jpg R/bird/'sp ace.jpg' R/top.txt
ln -s cat/img_1.jpg R/link.jpg
ln -s missing R/dangling
mkfifo R/cat/pipe
# mtimes: a spread of dates far from each other, then durations relative to now.
touch -d '2020-01-15 12:00:00 UTC' R/cat/img_0.jpg R/cat/img_1.jpg R/dog/sub_0.PNG
touch -d '2022-06-01 00:00:00 UTC' R/cat/img_1023.jpg R/dog/cache/c.jpg
touch -d '2024-03-03 03:03:03 UTC' R/cat/img_1024.jpg R/bird/cache/e.jpg
touch -d '10 days ago' R/cat/img_1025.jpg R/dog/sub_1.PNG
touch -d '3 hours ago' R/cat/img_10240.jpg R/dog/sub_1023.PNG
touch -d '20 minutes ago' R/cat/img_1048575.jpg
touch -h -d '2021-01-01 00:00:00 UTC' R/link.jpg
find R -type d -exec touch -d '2023-01-01 00:00:00 UTC' {} +

# An assertion that fails because of a known dsls bug: it still fails the test, at the end, so that the
# assertions after it run too.
KNOWN_BUGS=0
known_bug() { if ! ("$@"); then KNOWN_BUGS=$((KNOWN_BUGS + 1)); fi; }

# same WHAT DSLS-ARGS... -- FIND-EXPR...: the set of paths (NUL-separated) must be equal.
same() {
  local what=$1
  shift
  local -a d=()
  while [ "$1" != "--" ]; do d+=("$1"); shift; done
  shift
  dsls R "${d[@]}" -0 | sort -z >got || fail "$what: dsls failed"
  find R -mindepth 1 "$@" | sort -z >want
  [ -s want ] || fail "$what: the oracle is empty, the test tree is wrong"
  expect_same_file "$what" want got
}

same "no filter" -- -print0
# Types.
same "-t f" -t f -- -type f -print0
same "-t d" -t d -- -type d -print0
same "-t l" -t l -- -type l -print0
same "-t p" -t p -- -type p -print0
same "-t f -t l" -t f -t l -- \( -type f -o -type l \) -print0
same "-t d,l" -t d,l -- \( -type d -o -type l \) -print0
# Depth.
same "-d 1" -d 1 -- -maxdepth 1 -print0
same "-d 2" -d 2 -- -maxdepth 2 -print0
same "--max-depth 3" --max-depth 3 -- -maxdepth 3 -print0
same "--min-depth 2" --min-depth 2 -- -mindepth 2 -print0
same "--min-depth 2 -d 3" --min-depth 2 -d 3 -- -mindepth 2 -maxdepth 3 -print0
same "--min-depth 4" --min-depth 4 -- -mindepth 4 -print0
# Names.
same "--name *.jpg" --name '*.jpg' -- -name '*.jpg' -print0
same "--name twice" --name '*.jpg' --name '*.PNG' -- \( -name '*.jpg' -o -name '*.PNG' \) -print0
same "--name ?ub*" --name 'sub*' -- -name 'sub*' -print0
same "--name [ab].*" --name '[ab].*' -- -name '[ab].*' -print0
same "--name with a space" --name 'sp ace*' -- -name 'sp ace*' -print0
same "--name -t f" --name 'c*' -t f -- -name 'c*' -type f -print0
# Regex (POSIX ERE, unanchored, on the path relative to PATH).
same "--regex anchored" --regex '^cat/img_[0-9]+\.jpg$' -- -regextype posix-extended -regex 'R/cat/img_[0-9]+\.jpg' -print0
same "--regex unanchored" --regex 'cache' -- -regextype posix-extended -regex 'R/.*cache.*' -print0
same "--regex alternation" --regex '(PNG|txt)$' -- -regextype posix-extended -regex 'R/.*(PNG|txt)' -print0
expect_eq "--regex is on the relative path" "" "$(dsls R --regex '^R/')"
# Exclusions prune subtrees; a glob with a slash is matched against the relative path.
same "--exclude cache" --exclude cache -- -name cache -prune -o -print0
same "--exclude twice" --exclude cache --exclude '*.PNG' -- \( -name cache -o -name '*.PNG' \) -prune -o -print0
same "--exclude .*" --exclude '.*' -- -name '.*' -prune -o -print0
same "--exclude dog/cache" --exclude dog/cache -- -path R/dog/cache -prune -o -print0
same "--exclude with -t f" --exclude sub -t f -- -name sub -prune -o -type f -print0
same "--no-hidden" --no-hidden -- -name '.*' -prune -o -print0
same "--no-hidden --name" --no-hidden --name '*.jpg' -- -name '.*' -prune -o -name '*.jpg' -print0
# Sizes: +N at least, -N at most, N exactly; k M G are powers of 1024; only regular files.
same "-S +1024" -S +1024 -- -type f -size +1023c -print0
same "-S -1024" -S -1024 -- -type f -size -1025c -print0
same "-S 1024" -S 1024 -- -type f -size 1024c -print0
same "-S +1k" -S +1k -- -type f -size +1023c -print0
same "-S -1k" -S -1k -- -type f -size -1025c -print0
same "-S 1k" -S 1k -- -type f -size 1024c -print0
same "-S +1M" -S +1M -- -type f -size +1048575c -print0
same "-S -1M" -S -1M -- -type f -size -1048577c -print0
same "-S 3M" -S 3M -- -type f -size 3145728c -print0
same "--size=+10k" --size=+10k -- -type f -size +10239c -print0
same "--size range" -S +1k --size=-1M -- -type f -size +1023c -size -1048577c -print0
# BUG: `-S -1M` given with a space is moved aside before CLI11 parses, and CLI11 then replaces the
# vector with the other -S values: with `-S +1k -S -1M` the -1M bound is silently dropped.
known_bug same "-S range" -S +1k -S -1M -- -type f -size +1023c -size -1048577c -print0
same "-S 0" -S 0 -- -type f -size 0c -print0
same "-S +0 is every regular file" -S +0 -- -type f -print0
# Modification time: a date (UTC) and a duration ago.
same "--newer date" --newer 2022-01-01 -- -newermt '2022-01-01 00:00:00 UTC' -print0
same "--older date" --older 2022-01-01 -- '!' -newermt '2022-01-01 00:00:00 UTC' -print0
same "--newer datetime Z" --newer 2024-01-01T00:00:00Z -- -newermt '2024-01-01 00:00:00 UTC' -print0
same "--newer datetime" --newer 2024-03-03T03:03:02 -- -newermt '2024-03-03 03:03:02 UTC' -print0
same "--newer @epoch" --newer @1700000000 -- -newermt @1700000000 -print0
same "--newer/--older window" --newer 2021-06-01 --older 2024-01-01 -- \
  -newermt '2021-06-01 UTC' '!' -newermt '2024-01-01 UTC' -print0
same "--newer 1h" --newer 1h -- -mmin -60 -print0
same "--newer 5h" --newer 5h -- -mmin -300 -print0
same "--newer 90min" --newer 90min -- -mmin -90 -print0
same "--newer 2d" --newer 2d -- -mmin -2880 -print0
same "--older 2d" --older 2d -- -mmin +2880 -print0
same "--older 1w" --older 1w -- -mmin +10080 -print0
same "--newer 3600s" --newer 3600s -- -mmin -60 -print0
same "--older 30d -t f" --older 30d -t f -- -mmin +43200 -type f -print0
# Everything together.
same "combined" --no-hidden --exclude cache -t f --name '*.jpg' -S +1k --older 1d -d 3 -- \
  -maxdepth 3 \( -name '.*' -o -name cache \) -prune -o -type f -name '*.jpg' -size +1023c -mmin +1440 -print0

# Bad values are usage errors (exit 2) with a message.
for bad in "-S 10x" "-S ++1" "-S k" "--newer yesterday" "--older 2024-13-01" "--newer 5y" "--regex (" "-t q"; do
  set +e
  # shellcheck disable=SC2086
  dsls R $bad >out 2>err
  rc=$?
  set -e
  expect_eq "exit code for $bad" 2 "$rc"
  [ -s err ] || fail "no message for $bad"
  [ -s out ] && fail "output for $bad"
done

# BUG: a date after 2262 overflows the nanosecond time and matches nothing (should match everything
# older, or be rejected): dsls R --older 3000-01-01 prints nothing.
known_bug same "--older 3000-01-01" --older 3000-01-01 -- -print0

[ "$KNOWN_BUGS" -eq 0 ] || fail "$KNOWN_BUGS assertion(s) marked BUG failed (see above)"
