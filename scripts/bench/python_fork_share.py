#!/usr/bin/env python3
"""What DataLoader workers copy of a dataset's index: a dskit.Manifest (numpy columns, paths in one buffer)
against the list of (path str, class int) tuples torchvision's ImageFolder keeps as `samples`.

    python_fork_share.py MANIFEST [WORKERS]     (default 4 workers)

For each mode (none: no index, the baseline; manifest; list) a fresh interpreter loads the index, forks
WORKERS processes as DataLoader does on Linux (multiprocessing, fork), and each worker reads every row as a
Dataset.__getitem__ would (the path as str and the class index). While all are alive, each reports its
/proc/self/smaps_rollup: its private memory (Private_Clean + Private_Dirty: the pages it copied or
allocated) and its proportional share (Pss). Prints one JSON line per mode, then a Markdown table of the
memory the index costs: the parent's growth, and what the workers copied of it (their private memory beyond
the baseline's), summed over the workers.
"""
import json
import multiprocessing as mp
import os
import subprocess
import sys


def rollup():
    """Rss, Pss and private (clean + dirty) memory of this process, in MB."""
    kb = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                kb[parts[0][:-1]] = int(parts[1])
    return {"rss": kb["Rss"] / 1024, "pss": kb["Pss"] / 1024,
            "private": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024}


def worker(index, conn):
    """Reads every row as __getitem__ would, says so, measures when asked while its siblings live."""
    n = 0
    if index is not None:
        kind, data = index
        if kind == "manifest":
            paths, labels = data.paths, data.labels
            for i in range(len(paths)):
                p, c = paths[i], int(labels[i])
                n += len(p) + c
        else:
            for i in range(len(data)):
                p, c = data[i]
                n += len(p) + c
    conn.send(n)
    conn.recv()
    conn.send(rollup())
    conn.recv()


def run_mode(mode, manifest, workers):
    import dskit  # numpy and the native module in every mode, the baseline included

    before = rollup()
    index = None
    if mode == "manifest":
        index = ("manifest", dskit.Manifest(manifest))
    elif mode == "list":
        m = dskit.Manifest(manifest)
        root = m.root
        index = ("list", [(os.path.join(root, m.paths[i]), int(m.labels[i])) for i in range(len(m))])
        del m
    loaded = rollup()
    ctx = mp.get_context("fork")
    pipes, procs = [], []
    for _ in range(workers):
        a, b = ctx.Pipe()
        p = ctx.Process(target=worker, args=(index, b))
        p.start()
        pipes.append(a)
        procs.append(p)
    for a in pipes:
        a.recv()
    for a in pipes:
        a.send("measure")
    stats = [a.recv() for a in pipes]
    parent = rollup()
    for a in pipes:
        a.send("exit")
    for p in procs:
        p.join()
    return {"mode": mode, "workers": workers, "parent_growth_mb": round(loaded["rss"] - before["rss"], 1),
            "parent_pss_mb": round(parent["pss"], 1),
            "workers_private_mb": round(sum(s["private"] for s in stats), 1),
            "workers_pss_mb": round(sum(s["pss"] for s in stats), 1)}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--mode":
        print(json.dumps(run_mode(sys.argv[2], sys.argv[3], int(os.environ.get("WORKERS", "4")))))
        return 0
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    manifest, workers = sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "4"
    out = {}
    for mode in ("none", "manifest", "list"):
        r = subprocess.run([sys.executable, __file__, "--mode", mode, manifest], check=True, stdout=subprocess.PIPE,
                           env={**os.environ, "WORKERS": workers}, text=True)
        out[mode] = json.loads(r.stdout)
        print(r.stdout.strip(), file=sys.stderr)
    base = out["none"]["workers_private_mb"]
    print(f"| index of the manifest's rows, {workers} forked workers reading every row | parent's growth | "
          "copied by the workers (private memory beyond the baseline, summed) | total PSS |")
    print("|---|---|---|---|")
    names = {"manifest": "`dskit.Manifest`", "list": "list of (path str, class int) tuples (ImageFolder.samples)"}
    for mode in ("manifest", "list"):
        o = out[mode]
        print(f"| {names[mode]} | {o['parent_growth_mb']} MB | {o['workers_private_mb'] - base:.1f} MB | "
              f"{o['parent_pss_mb'] + o['workers_pss_mb']:.1f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
