# dscp resumes and syncs: after kill -9 halfway no file has its final name with partial content, and the same
# command completes the copy (identical to the source, no temporaries left, only the missing bytes moved);
# temporaries of an interrupted run are removed; --dry-run lists the changes (text, -0, --json) and changes
# nothing; --delete removes what the source lacks; --checksum finds a same-size, same-mtime content change
# that the quick check cannot.
. "$(dirname "$0")/lib.sh"

mkdir -p S/d1 S/d2
for i in $(seq 1 40); do head -c 2000000 /dev/urandom > S/d$((i % 2 + 1))/f$i; done
for i in $(seq 1 200); do printf 'small %s\n' "$i" > S/d1/s$i; done

# kill -9 while copying (read/write, one worker: slow enough to be caught halfway on most machines).
dscp -T --read-write -j 1 S D 2> /dev/null &
pid=$!
sleep 0.15
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
# Whatever has its final name is complete.
(cd D 2> /dev/null && find . -type f ! -name '.*.dskit-*.tmp' -print0) | while IFS= read -r -d '' f; do
  cmp -s "S/$f" "D/$f" || fail "kill -9 left a partial file under its name: $f"
done
# A temporary as an interrupted run leaves it, wherever the kill came.
mkdir -p D/d1
head -c 1000 /dev/urandom > D/d1/.f3.dskit-AbC123.tmp
capture sum.json dscp -T --json S D
expect_eq "resume exit code" 0 "$rc"
diff -r S D > diff.txt || fail "after resume: $(cat diff.txt)"
tree_listing S > want
tree_listing D > got
expect_same_file "metadata after resume" want got
[ -z "$(find D -name '*.dskit-*.tmp')" ] || fail "temporaries left after the resume"
python3 - sum.json <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["removed"] >= 1, s
assert s["bytes"] < 40 * 2000000 + 200 * 20 or s["files"] <= 240, s
PY
capture sum2.json dscp -T --json S D
python3 -c 'import json,sys; s=json.loads(open("sum2.json").read().splitlines()[-1]); assert s["files"]==0 and s["bytes"]==0, s'

# Changes: one new file, one changed, one extra in D (file and directory), then --dry-run lists them.
printf 'new\n' > S/d2/new
printf 'changed\n' > S/d1/s1
mkdir -p D/extra/deep && touch D/extra/deep/x D/d2/gone
capture dry.txt dscp -T -n --delete S D
expect_eq "dry-run exit code" 0 "$rc"
printf 'copy\tD/d2/new\nupdate\tD/d1/s1\ndelete\tD/extra\ndelete\tD/d2/gone\n' | sort > want.txt
sort dry.txt > got.txt
expect_same_file "dry-run listing" want.txt got.txt
[ ! -e D/d2/new ] && [ -e D/extra/deep/x ] || fail "--dry-run changed the destination"
dscp -T -n -0 --delete S D | tr '\0' '\n' | sort > got0.txt
expect_same_file "dry-run -0 listing" want.txt got0.txt
dscp -T -n --json --delete S D > dry.jsonl
python3 - dry.jsonl <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
acts = sorted((l["action"], l["path"]) for l in lines if "action" in l)
assert acts == sorted([("copy", "D/d2/new"), ("update", "D/d1/s1"), ("delete", "D/extra"), ("delete", "D/d2/gone")]), acts
assert "files" in lines[-1], lines[-1]
PY
dscp -T --delete S D
diff -r S D > diff.txt || fail "after --delete: $(cat diff.txt)"
tree_listing S > want
tree_listing D > got
expect_same_file "metadata after --delete" want got

# Same size and mtime, other content: only --checksum sees it.
printf 'CHANGED\n' > D/d1/s2.new && touch -r S/d1/s2 D/d1/s2.new && printf 'small 2\n' | tr a A > D/d1/s2 &&
  touch -r S/d1/s2 D/d1/s2 && rm D/d1/s2.new
dscp -T S D
cmp -s S/d1/s2 D/d1/s2 && fail "the quick check was expected to miss the change (test set-up)"
dscp -T --checksum S D
cmp S/d1/s2 D/d1/s2 || fail "--checksum did not copy the changed file"
