# Input directories with traps (issue 12 items 4 and 13): a symbolic link loop, a looping link with an
# image name, a link back up the tree, and an unreadable subdirectory. The walk goes on: each unreadable
# entry is one error naming itself (not the top directory), the readable images are chipped, exit 1.
. "$(dirname "$0")/lib.sh"
need_vips
noise_rgb g3u.v 448 224 128 40
mkdir -p in/sub in/z
vips pngsave g3u.v in/good.png
cp in/good.png in/sub/hidden.png
cp in/good.png in/z/last.png
ln -s loop in/loop
ln -s self.png in/self.png
ln -s .. in/z/up

# The loops alone: skipped (loop, up) or one error (self.png), never an abort.
expect_rc "symlink loops" 1 dschip in -o out --no-mask >/dev/null 2>err
grep -q '^dschip: in/self.png: Too many levels of symbolic links (stat)' err || fail "loop: $(cat err)"
expect_eq "error lines" 1 "$(wc -l <err)"
expect_eq "chipped" "good hidden last" "$(cd out && ls -d */ | tr -d / | sort | tr '\n' ' ' | sed 's/ $//')"

# An unreadable subdirectory (as an unprivileged user: root reads anything).
chmod 755 .
chmod 000 in/sub
mkdir o2 && chmod 777 o2
expect_rc "unreadable subdirectory" 1 as_nobody dschip in -o o2 --no-mask --json >r.json 2>err
grep -q '^dschip: in/sub: Permission denied (opendir)' err || fail "unreadable: $(cat err)"
grep -q '"image":"in/sub","status":"failed"' r.json || fail "no JSON record: $(cat r.json)"
expect_eq "the rest chipped" "good last" "$(cd o2 && ls -d */ | tr -d / | sort | tr '\n' ' ' | sed 's/ $//')"
[ -s o2/chips.tsv ] || fail "no manifest"
