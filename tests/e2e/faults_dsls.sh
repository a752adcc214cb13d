# dsls on a failing network filesystem (the latfs fault mount): a directory that cannot be opened and
# entries that cannot be stat'ed are named with the cause and make the exit code 1; every other entry is
# listed, exactly as `find` lists the underlying tree; entries gone after listing are counted as vanished.
. "$(dirname "$0")/faults_latfs.sh"

mkdir -p src/a/b/c src/d src/eio_dir/x src/gone_dir
for i in 1 2 3 4 5 6 7 8; do
  echo "$i" > "src/a/f$i"
  echo "$i" > "src/a/b/c/g$i"
  echo "$i" > "src/d/h$i"
done
echo 1 > src/eio_dir/x/y
echo 2 > src/d/eio_file
echo 3 > src/gone_dir/z
echo 4 > src/a/gone_file
ln -s ../a/f1 src/d/link

faults_mount src mnt fail_meta='*eio_*' vanish='*gone_*'

# Plain listing: names come from readdir (no stat needed), so only directories are opened.
expect_rc "dsls with an unreadable directory" 1 dsls mnt > out 2> err
expect_eq "errors" "dsls: mnt/eio_dir: Input/output error (opendir)" "$(cat err)"
(cd src && find . -mindepth 1 -not -path './eio_dir/*' -not -path './gone_dir/*' -printf 'mnt/%P\n') | sort > want
sort out > got
expect_same_file "dsls lists every other entry" want got

# Long listing: every entry is stat'ed; those that fail are named and not listed.
expect_rc "dsls -l with unreadable entries" 1 dsls -l mnt > out 2> err
grep -qxF "dsls: mnt/eio_dir: Input/output error (stat)" err || fail "eio_dir stat error: $(cat err)"
grep -qxF "dsls: mnt/d/eio_file: Input/output error (stat)" err || fail "eio_file stat error: $(cat err)"
expect_eq "error lines" 2 "$(wc -l < err)"
(cd src && find . -mindepth 1 -not -path './eio_*' -not -path './d/eio_file' -not -path './gone_*' \
  -not -path '*/gone_*' -printf 'mnt/%P\n') | sort > want
awk -F'\t' '{print $NF}' out | sort > got  # SIZE<TAB>MTIME<TAB>PATH
expect_same_file "dsls -l lists every entry it could stat" want got

# Vanished entries are counted, not errors.
expect_rc "dsls --stats" 1 dsls --stats -l mnt > /dev/null 2> err
grep -q ' 2 errors, 2 vanished' err || fail "counts: $(cat err)"
echo "ok"
