# `cmake --install` into a temporary prefix installs every tool and its man page (section 1), the manifest
# format (section 5) and the overview pages (section 7); the installed tools run from there, on their own.
. "$(dirname "$0")/lib.sh"

build=$(cd "$DSKIT_BIN/.." && pwd)
[ -f "$build/cmake_install.cmake" ] || fail "no cmake_install.cmake in $build"
cmake --install "$build" --prefix "$T/prefix" >install.log || { cat install.log >&2; fail "cmake --install"; }

tools=(dsls dsmanifest dsbalance dschip dsbench)
for t in "${tools[@]}"; do
  [ -x "prefix/bin/$t" ] || fail "$t not installed in bin/"
  [ -f "prefix/share/man/man1/$t.1" ] || fail "man page $t.1 not installed"
  cmp -s "prefix/share/man/man1/$t.1" "$DSKIT_SRC/man/$t.1" || fail "installed $t.1 differs from man/$t.1"
done
# Every page of the source tree is installed, in its section; nothing else.
for page in "$DSKIT_SRC"/man/*.[1-8]; do
  name=$(basename "$page")
  [ -f "prefix/share/man/man${name##*.}/$name" ] || fail "man page $name not installed"
done
expect_eq "installed pages" "$(ls "$DSKIT_SRC"/man/*.[1-8] | wc -l)" "$(find prefix/share/man -type f | wc -l)"

# The installed tools work on their own (PATH without the build directory).
mkdir -p data/cat data/dog
printf 'a' > data/cat/1.jpg
printf 'bb' > data/dog/2.jpg
export PATH="$T/prefix/bin:/usr/bin:/bin"
[ "$(command -v dsls)" = "$T/prefix/bin/dsls" ] || fail "PATH does not pick the installed dsls"
expect_eq "installed dsls" "$(printf 'data/cat/1.jpg\ndata/dog/2.jpg')" "$(dsls -t f --sort data)"
dsmanifest build data -o m.tsv
expect_eq "installed dsmanifest rows" 2 "$(tail -n +3 m.tsv | wc -l)"
dsbalance --json m.tsv >b.json
grep -q '"cat"' b.json || fail "installed dsbalance did not report class cat"
for t in dschip dsbench; do
  "$t" --version >/dev/null || fail "installed $t --version"
done

# The Python package, when it was built, is installed with its native module and imports from the prefix.
if [ -d "$build/python/dskit" ]; then
  site=$(echo prefix/lib/python3.*/dist-packages)
  [ -f "$site/dskit/__init__.py" ] && [ -f "$site/dskit/torch.py" ] || fail "dskit package not installed"
  ls "$site"/dskit/_dskit*.so >/dev/null || fail "native module not installed"
  got=$(cd / && PYTHONPATH="$T/$site" /usr/bin/python3 -c \
    'import dskit; print(dskit.__file__.startswith("'"$T"'"), len(dskit.list_files("'"$T"'/data")["paths"]))')
  expect_eq "installed python package" "True 2" "$got"
fi
