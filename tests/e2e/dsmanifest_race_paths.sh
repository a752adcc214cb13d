# What a build must and must not list: dskit's own temporary files (.NAME.dskit-XXXXXX.tmp, left by an
# interrupted write where O_TMPFILE is missing) and the manifest's lock file are never dataset files;
# files whose path is longer than PATH_MAX are hashed (opened from their parent directory's fd), as
# dsls lists them.
. "$(dirname "$0")/lib.sh"

mkdir -p ds/sub
echo a > ds/a
echo b > ds/sub/b
echo partial > ds/.m.tsv.dskit-AbC123.tmp
echo partial > ds/sub/.x.bin.dskit-Zz09Qq.tmp
echo lock > ds/.m.tsv.lock
# Near misses are ordinary files and stay listed.
echo keep > ds/.m.tsv.dskit-AbC12.tmp
echo keep > ds/m.tsv.dskit-AbC123.tmp
echo keep > ds/.m.tsv.dskit-AbC_23.tmp
echo keep > ds/.other.lock

dsmanifest build ds -o ds/m.tsv
tail -n +3 ds/m.tsv | cut -f1 > got
printf '%s\n' .m.tsv.dskit-AbC12.tmp .m.tsv.dskit-AbC_23.tmp .other.lock a m.tsv.dskit-AbC123.tmp sub/b > want
expect_same_file "build listing" want got

# update and verify skip them too: a temp file planted after the build is not "new".
echo partial > ds/sub/.y.dskit-QWErty.tmp
dsmanifest verify ds/m.tsv > v.out 2> v.err || fail "verify: $(cat v.out v.err)"
dsmanifest update ds/m.tsv 2> u.err || fail "update: $(cat u.err)"
tail -n +3 ds/m.tsv | cut -f1 > got2
expect_same_file "update listing" want got2

# A path longer than PATH_MAX (4096): 25 levels of 200-byte names.
python3 - <<'PY'
import os
os.mkdir("long")
fd = os.open("long", os.O_RDONLY | os.O_DIRECTORY)
name = "x" * 200
for _ in range(25):
    os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
f = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(f, b"deep\n")
os.close(f)
PY
expect_eq "dsls lists it" 1 "$(dsls -t f long | grep -c 'deep.txt$')"
dsmanifest build long -o long.tsv 2> long.err || fail "build of the long path: $(head -c 300 long.err)"
expect_eq "rows" 1 "$(tail -n +3 long.tsv | wc -l)"
want_hash=$(printf 'deep\n' | xxhsum -H2 | cut -d' ' -f1)
expect_eq "hash of the long path" "$want_hash" "$(tail -n +3 long.tsv | cut -f5)"
dsmanifest verify --full long.tsv > lv.out 2> lv.err || fail "verify --full of the long path: $(cat lv.out lv.err)"
# rm -rf cannot always remove it by name: remove it level by level.
python3 -c 'import shutil; shutil.rmtree("long")'
echo OK
