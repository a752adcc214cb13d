#!/usr/bin/env python3
"""The Python peer of the dsls benchmark: os.walk, plus os.stat of every entry with --stat.

    pywalk.py [--stat] DIR      prints every entry below DIR (with --stat: "SIZE PATH"), like find
"""
import os
import sys


def main() -> int:
    args = sys.argv[1:]
    with_stat = "--stat" in args
    args = [a for a in args if a != "--stat"]
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = sys.stdout
    for root, dirs, files in os.walk(args[0]):
        for name in dirs + files:
            p = os.path.join(root, name)
            if with_stat:
                st = os.stat(p, follow_symlinks=False)
                out.write(f"{st.st_size} {p}\n")
            else:
                out.write(p + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
