# The library's layout (issue 11), kept true: at most two source files directly in lib/dskit/, a CMakeLists.txt
# in every module folder, dsls linked to none of the heavy third-party libraries, and each module's internal
# headers (*_parts.h, or anything under an internal/ folder) included only from their own folder.
. "$(dirname "$0")/lib.sh"
: "${DSKIT_SRC:?DSKIT_SRC must point to the source tree (ctest sets it)}"
cd "$DSKIT_SRC"

# ---- At most two source files directly in lib/dskit/.
top=$(find lib/dskit -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) | sort)
n=$(printf '%s' "$top" | grep -c . || true)
[ "$n" -le 2 ] || fail "$n source files directly in lib/dskit/ (at most 2): $(echo $top)"

# ---- Every module folder (a folder below lib/dskit/ holding sources) has its own CMakeLists.txt.
while IFS= read -r dir; do
  [ "$dir" = lib/dskit ] && continue
  if find "$dir" -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.h' \) | grep -q .; then
    [ -f "$dir/CMakeLists.txt" ] || fail "$dir holds sources but no CMakeLists.txt"
  fi
done < <(find lib/dskit -type d | sort)

# ---- dsls links none of the heavy libraries: not as shared libraries (NEEDED), not statically (symbols), not
# on its link line.
heavy='simdjson|yaml-cpp|pugixml|opencv|libtiff|openslide|liburing'
dsls=$DSKIT_BIN/dsls
[ -x "$dsls" ] || fail "no dsls in $DSKIT_BIN"
needed=$(readelf -d "$dsls" | grep NEEDED || true)
[ -n "$needed" ] || fail "readelf -d $dsls lists no NEEDED libraries (not a dynamic binary?)"
bad=$(grep -iE "libsimdjson|libyaml-cpp|libpugixml|libopencv|libtiff|libopenslide|liburing" <<< "$needed" || true)
[ -z "$bad" ] || fail "dsls needs: $bad"
# Statically linked code leaves its symbols (the binaries are not stripped in the build tree).
if nm -C "$dsls" > "$T/dsls.nm" 2> /dev/null && [ -s "$T/dsls.nm" ]; then
  bad=$(grep -E ' (simdjson::|YAML::|pugi::|cv::)| (TIFF[A-Z][A-Za-z]+|openslide_[a-z_]+|io_uring_[a-z_]+)$' "$T/dsls.nm" |
    head -5 || true)
  [ -z "$bad" ] || fail "dsls holds code of a heavy library: $bad"
fi
# The link line, where the build tree is at hand (Ninja or Makefiles).
build_dir=$(dirname "$DSKIT_BIN")
link=""
if [ -f "$build_dir/build.ninja" ] && command -v ninja > /dev/null; then
  link=$(ninja -C "$build_dir" -t commands bin/dsls 2> /dev/null | tail -1 || true)
elif [ -f "$build_dir/apps/CMakeFiles/dsls.dir/link.txt" ]; then
  link=$(cat "$build_dir/apps/CMakeFiles/dsls.dir/link.txt")
fi
if [ -n "$link" ]; then
  bad=$(tr ' ' '\n' <<< "$link" | grep -iE "$heavy|dskit_(balance|image|bench|manifest)" || true)
  [ -z "$bad" ] || fail "dsls's link line names: $(echo $bad)"
fi

# ---- Internal headers are included only from their own folder: by their path ("dskit/<module>/x_parts.h")
# from nowhere else, and by a bare name ("x_parts.h") only where that name is a file of the same folder.
internal=$(find lib -type f \( -name '*_parts.h' -o -name parts.h -o -path '*/internal/*.h' \) | sort)
grep -qx lib/dskit/manifest/build/parts.h <<< "$internal" || fail "lib/dskit/manifest/build/parts.h not found"
grep -qx lib/dskit/balance/inputs/coco_parts.h <<< "$internal" || fail "lib/dskit/balance/inputs/coco_parts.h not found"
dirs=""
for d in lib apps tests bench fuzz; do [ -d "$d" ] && dirs="$dirs $d"; done
for h in $internal; do
  own=$(dirname "$h")
  inc=${h#lib/}
  while IFS= read -r user; do
    [ -z "$user" ] || [ "$(dirname "$user")" = "$own" ] || fail "$user includes $inc, internal to $own/"
  done < <(grep -rlF --include='*.cpp' --include='*.h' --include='*.cc' "\"$inc\"" $dirs || true)
done
while IFS=: read -r user name; do
  [ -f "$(dirname "$user")/$name" ] || fail "$user includes \"$name\" from outside its folder"
done < <(grep -rEo --include='*.cpp' --include='*.h' '#include "([A-Za-z0-9_]+_parts|parts)\.h"' $dirs |
  sed -E 's/#include "(.*)"/\1/' || true)
