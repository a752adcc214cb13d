#!/usr/bin/env bash
# dscp against its peers (issue 15), each figure with the peer's from the same run:
#   latfs    8,000 small files (100 folders x 80, 0..64 KiB of data) on the latency FUSE mount (DELAY_US per
#            metadata call, DATA_DELAY_US per read) to local disk: dscp -T, cp -a, rsync -a,
#            rclone copy --transfers 64 --checkers 64, fpsync -n 8 (when fpart is installed); a fresh mount
#            for each, so no tool finds the kernel's caches warm. Targets: >= 20x cp -a and rsync -a, >= 3x
#            rclone.
#   local    LOCAL_FILES small files (0..8 KiB), hot cache, local to local: dscp vs cp -a. Target >= 1.3x.
#   big      one BIG_SIZE file (4G), local: dscp vs cp, each with its sync. Target >= 0.95x cp's throughput.
#   manifest the 8,000-file tree copied locally by `dscp --manifest` (hashes checked while copying) vs
#            `dscp -T` (median of RUNS). Target <= 1.15x.
#   resume   RESUME_FILES files of 32 MiB: dscp killed with -9 once half the bytes are in the destination,
#            then the same command; the share of the bytes the second run moves. Target <= 60%.
# Every copy is checked against its source (diff -r) before its time counts.
#
#   scripts/bench/dscp_bench.sh [PART...]      (default: latfs local big manifest resume)
#
# Environment:
#   BUILD_DIR        where bin/dscp, bin/dsmanifest and bin/latfs are (default: build-bench)
#   DSKIT_BENCH_DIR  where the trees are made and reused               (default: /tmp/dskit-bench)
#   DELAY_US, DATA_DELAY_US  latfs round trips in microseconds         (default: 1000, 200)
#   LOCAL_FILES      files of the local tree                            (default: 280000)
#   BIG_SIZE         the large file                                     (default: 4G)
#   RESUME_FILES     32 MiB files of the resume tree                    (default: 32)
#   RUNS             runs of the manifest comparison (median)           (default: 3)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$0")/common.sh"

bench_setup dscp_bench build-bench /tmp/dskit-bench 0
delay=${DELAY_US:-1000}
data_delay=${DATA_DELAY_US:-200}
local_files=${LOCAL_FILES:-280000}
big_size=${BIG_SIZE:-4G}
resume_files=${RESUME_FILES:-32}
runs=${RUNS:-3}
parts=("$@")
s="" sd="" sc=""
[[ ${#parts[@]} -gt 0 ]] || parts=(latfs local big manifest resume)

dscp=$build/bin/dscp
dsm=$build/bin/dsmanifest
latfs=$build/bin/latfs
bench_need_exec "$me" "build with cmake -S . -B build-bench -G Ninja && ninja -C build-bench" "$dscp" "$dsm" "$latfs"
bench_need_tools "$me" "apt-get install fuse3 python3 rsync" fusermount3 python3 rsync

mkdir -p "$base"
work=$base/dscp-work
mnt=$base/mnt-dscp
cleanup() {
  bench_latfs_unmount "$mnt"
  rm -rf "$work"
}
bench_cleanup_on_exit cleanup
rm -rf "$work"
mkdir -p "$work"

# mk_tree DIR FOLDERS FILES_PER_FOLDER MAX_BYTES: a deterministic tree of files holding real (random) data.
mk_tree() {
  [[ -e $1.done ]] && return
  rm -rf "$1"
  python3 - "$@" <<'PY'
import os, random, sys
root, folders, per, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(15)
for d in range(folders):
    p = os.path.join(root, "class%04d" % d)
    os.makedirs(p)
    for f in range(per):
        with open(os.path.join(p, "%06d.bin" % f), "wb") as fh:
            fh.write(rng.randbytes(rng.randint(0, top)))
PY
  touch "$1.done"
}

# timed VAR CMD...: runs CMD, stores its wall time in seconds in VAR.
timed() {
  local var=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  "$@"
  t1=$EPOCHREALTIME
  printf -v "$var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')"
}
with_sync() { "$@" && sync; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
same() { diff -r "$1" "$2" > /dev/null || bench_die "$me" 1 "$3: the copy differs from its source"; }
# rows_and_ratio ROW1 ROW2 LINE: two table rows (cells separated by ' | '), then LINE after a blank line.
rows_and_ratio() { printf '| %s |\n| %s |\n\n%s\n' "$1" "$2" "$3"; }
# table TITLE HEADER RULE: a Markdown section heading and a table's first two lines.
table() { printf '\n### %s\n\n%s\n%s\n' "$1" "$2" "$3"; }
median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "Date: $(date -u +%FT%TZ); $(getconf _NPROCESSORS_ONLN) cores; load average at start $(bench_loadavg)"
echo "uptime: $(uptime)"
small=$base/dscp-small
mk_tree "$small" 100 80 65536

for part in "${parts[@]}"; do
  case $part in
    latfs)
      table "8,000 files on the latency mount (${delay} us per metadata call, ${data_delay} us per read) to local disk" \
        "| tool | seconds | dscp is faster by |" "|---|---:|---:|"
      peers=(dscp cp rsync)
      command -v rclone > /dev/null && peers+=(rclone)
      command -v fpsync > /dev/null && peers+=(fpsync)
      declare -A L
      for p in "${peers[@]}"; do
        bench_latfs_mount "$me" "$latfs" "$small" "$mnt" "$delay" -o "data_delay_us=$data_delay"
        dst=$work/lat-$p
        rm -rf "$dst"
        case $p in
          dscp) timed s "$dscp" -T "$mnt" "$dst" ;;
          cp) timed s cp -a "$mnt" "$dst" ;;
          rsync) timed s rsync -a "$mnt/" "$dst/" ;;
          rclone) timed s rclone copy --transfers 64 --checkers 64 "$mnt" "$dst" ;;
          fpsync)
            mkdir -p "$dst"
            timed s fpsync -n 8 -t "$work/fpsync-tmp" "$mnt/" "$dst/"
            ;;
        esac
        same "$small" "$dst" "$p (latfs)"
        rm -rf "$dst"
        L[$p]=$s
        echo "$me: latfs $p ${s}s (load $(bench_loadavg))" >&2
      done
      bench_latfs_unmount "$mnt"
      for p in "${peers[@]}"; do
        printf '| %s | %s | %s |\n' "$p" "${L[$p]}" "$([[ $p == dscp ]] && echo - || echo "$(ratio "${L[$p]}" "${L[dscp]}")x")"
      done
      ;;
    local)
      tree=$base/dscp-local-$local_files
      mk_tree "$tree" $((local_files / 280)) 280 8192
      sync
      timed sd "$dscp" -T "$tree" "$work/local-dscp"
      same "$tree" "$work/local-dscp" "dscp (local)"
      echo "$me: local dscp ${sd}s (load $(bench_loadavg))" >&2
      rm -rf "$work/local-dscp"
      sync
      timed sc cp -a "$tree" "$work/local-cp"
      same "$tree" "$work/local-cp" "cp -a (local)"
      echo "$me: local cp -a ${sc}s (load $(bench_loadavg))" >&2
      rm -rf "$work/local-cp"
      table "$local_files small files (0..8 KiB), local, hot cache" \
        "| tool | seconds |" "|---|---:|"
      rows_and_ratio "dscp -T | $sd" "cp -a | $sc" "cp -a / dscp = $(ratio "$sc" "$sd")x (target >= 1.3x)"
      ;;
    big)
      big=$base/dscp-big-$big_size
      [[ -e $big ]] || head -c "$(numfmt --from=iec "$big_size")" /dev/urandom > "$big"
      bytes=$(stat -c %s "$big")
      cmp_big() { cmp -s "$big" "$1" || bench_die "$me" 1 "$2: the large file differs"; }
      sync  # the large file's own pages are on disk before either copy's sync is timed
      timed sc with_sync cp "$big" "$work/big-cp"
      cmp_big "$work/big-cp" cp
      rm -f "$work/big-cp"
      sync
      timed sd with_sync "$dscp" "$big" "$work/big-dscp"
      cmp_big "$work/big-dscp" dscp
      rm -f "$work/big-dscp"
      table "One $big_size file, local (each copy followed by sync)" \
        "| tool | seconds | MiB/s |" "|---|---:|---:|"
      echo "| dscp | $sd | $(awk -v b="$bytes" -v s="$sd" 'BEGIN{printf "%.0f", b / s / 1048576}') |"
      echo "| cp | $sc | $(awk -v b="$bytes" -v s="$sc" 'BEGIN{printf "%.0f", b / s / 1048576}') |"
      echo
      echo "dscp throughput / cp's = $(ratio "$sc" "$sd") (target >= 0.95)"
      ;;
    manifest)
      "$dsm" build "$small" -o "$work/small.tsv" 2> /dev/null
      tm="" tt=""
      for ((r = 1; r <= runs; r++)); do
        timed s "$dscp" -T "$small" "$work/man-tree"
        tt+="$s "
        same "$small" "$work/man-tree" "dscp -T (manifest part)"
        rm -rf "$work/man-tree"
        timed s "$dscp" --manifest "$work/small.tsv" "$work/man-list"
        tm+="$s "
        same "$small" "$work/man-list" "dscp --manifest"
        rm -rf "$work/man-list"
      done
      mt=$(median "$tt") mm=$(median "$tm")
      table "--manifest with hash checking vs the same copy without it (8,000 files, local, median of $runs)" \
        "| command | runs (s) | median s |" "|---|---|---:|"
      rows_and_ratio "dscp -T | ${tt% } | $mt" "dscp --manifest | ${tm% } | $mm" \
        "--manifest / -T = $(ratio "$mm" "$mt")x (target <= 1.15x)"
      ;;
    resume)
      tree=$base/dscp-resume-$resume_files
      if [[ ! -e $tree.done ]]; then
        rm -rf "$tree"
        mkdir -p "$tree"
        for ((i = 0; i < resume_files; i++)); do head -c 32M /dev/urandom > "$tree/f$i"; done
        touch "$tree.done"
      fi
      total=$(du -sb "$tree" | cut -f1)
      dst=$work/resume
      rm -rf "$dst"
      "$dscp" -T "$tree" "$dst" &
      pid=$!
      while kill -0 "$pid" 2> /dev/null; do
        got=$(du -sb "$dst" 2> /dev/null | cut -f1 || echo 0)
        ((got * 2 < total)) || break
        sleep 0.05
      done
      kill -9 "$pid" 2> /dev/null || true
      wait "$pid" 2> /dev/null || true
      before=$(find "$dst" -type f ! -name '.*.dskit-*.tmp' -printf '%s\n' | awk '{s+=$1} END{print s+0}')
      "$dscp" -T --json "$tree" "$dst" > "$work/resume.json"
      same "$tree" "$dst" "dscp (resume)"
      moved=$(tail -1 "$work/resume.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes"])')
      echo
      echo "### Resume after kill -9 ($resume_files files of 32 MiB)"
      echo
      echo "Killed with $(ratio "$before" "$total") of the bytes complete under their names; the second run moved" \
        "$(ratio "$moved" "$total") of the bytes (target <= 0.60)."
      ;;
    *) bench_die "$me" 2 "unknown part $part (latfs, local, big, manifest, resume)" ;;
  esac
done
echo
echo "Load average at end: $(bench_loadavg)"
