# dsbalance out of memory (issue 12): on a COCO file under a small `ulimit -v`, it exits 2 with a message
# ("dsbalance: out of memory" or the file's error), never dies on a signal (std::bad_alloc escaped main and
# ended in SIGABRT before). Where memory runs out depends on the build, so the test sweeps the limit from the
# least that runs dsbalance on a tiny input up to what the big file needs, in steps of a quarter of its size.
. "$(dirname "$0")/lib.sh"

# A sanitizer reserves terabytes of address space: no `ulimit -v` can apply to such a build.
if sanitized_build "$DSKIT_BIN/dsbalance"; then
  echo "sanitizer build: ulimit -v does not apply; skipped"
  exit 0
fi

# ~17 MB: 1000 images, 400000 annotations, 3 categories.
awk 'BEGIN {
  printf "{\"images\":[";
  for (i = 1; i <= 1000; i++) printf "%s{\"id\":%d}", (i > 1 ? "," : ""), i;
  printf "],\"annotations\":[";
  for (i = 1; i <= 400000; i++)
    printf "%s{\"id\":%d,\"image_id\":%d,\"category_id\":%d}", (i > 1 ? "," : ""), i, i % 1000 + 1, i % 3 + 1;
  printf "],\"categories\":[{\"id\":1,\"name\":\"a\"},{\"id\":2,\"name\":\"b\"},{\"id\":3,\"name\":\"c\"}]}\n";
}' > big.json
printf '{"images":[{"id":1}],"annotations":[{"image_id":1,"category_id":1}],"categories":[{"id":1,"name":"a"}]}\n' > tiny.json
size_kb=$(($(stat -c %s big.json) / 1024))

# run_at KB FILE: dsbalance FILE under `ulimit -v KB`; its exit status (128+N when killed by signal N).
run_at() {
  set +e
  (ulimit -v "$1" && exec dsbalance "$2") > /dev/null 2> err.txt
  local rc=$?
  set -e
  return $rc
}
status_at() { if run_at "$1" "$2"; then echo 0; else echo $?; fi; }

# The least limit (to 2 MB) under which dsbalance reads the tiny file.
lo=8192 hi=$((4 * 1024 * 1024))
[ "$(status_at $hi tiny.json)" = 0 ] || fail "dsbalance does not run on tiny.json under ulimit -v $hi"
while [ $((hi - lo)) -gt 2048 ]; do
  mid=$(((lo + hi) / 2))
  if [ "$(status_at $mid tiny.json)" = 0 ]; then hi=$mid; else lo=$mid; fi
done
base=$hi

failed=0 ok=0
step=$((size_kb / 4))
# Until three limits in a row were enough: from there on memory does not run out.
for ((v = base; v <= base + 16 * size_kb && ok < 3; v += step)); do
  rc=$(status_at $v big.json)
  case $rc in
    0) ok=$((ok + 1)) ;;
    2)
      failed=$((failed + 1)) ok=0
      grep -qE '^dsbalance: ' err.txt || fail "ulimit -v $v: exit 2 without a message: $(head -c 300 err.txt)"
      grep -q 'terminate called' err.txt && fail "ulimit -v $v: $(head -c 300 err.txt)"
      ;;
    *) fail "ulimit -v $v: exit status $rc (a signal above 128): $(head -c 300 err.txt)" ;;
  esac
done
# Not vacuous: some limits were too small for the big file, and the largest was enough.
[ "$failed" -gt 0 ] || fail "memory never ran out between ulimit -v $base and $v"
[ "$ok" -gt 0 ] || fail "big.json never read, even under ulimit -v $v"
