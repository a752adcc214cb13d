#!/usr/bin/env python3
"""One measurement of the Python package benchmark (python_bench.sh), in a fresh interpreter, printed as
one JSON line: {"what": ..., "seconds": ..., "cpu_s": ..., "count": ..., "rss_mb": ...} (cpu_s: user+system
CPU time of this process over the measured part, every thread; on a loaded machine it shows the work done
apart from the waiting).

    python_peer.py datasetfolder-torchvision ROOT
    python_peer.py datasetfolder-dskit ROOT
    python_peer.py walk-os ROOT          os.walk counting files
    python_peer.py walk-dskit ROOT       dskit.walk counting files (an Entry per file)
    python_peer.py walk-dskit-count ROOT dskit.walk(...).count(): no object per file
    python_peer.py sampler-distributed N DistributedSampler(N): one epoch's index list
    python_peer.py sampler-epoch N       dskit EpochSampler(N): iterate 1,000,000 indices
    python_peer.py randperm N            torch.randperm(N), the per-epoch permutation DistributedSampler uses
    python_peer.py manifest-pandas FILE  pandas.read_csv of a manifest
    python_peer.py manifest-dskit FILE   dskit.Manifest of a manifest
"""
import hashlib
import itertools
import json
import os
import resource
import sys
import time


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clock():
    """(wall seconds, CPU seconds of this process) now."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), u.ru_utime + u.ru_stime


def main():
    what, arg = sys.argv[1], sys.argv[2]
    base_rss = rss_mb()
    t0 = clock()
    count = 0
    if what == "datasetfolder-torchvision":
        import torchvision.datasets as tvd
        t0 = clock()
        ds = tvd.DatasetFolder(arg, loader=lambda p: p, extensions=(".jpg",))
        count = len(ds)
    elif what == "datasetfolder-dskit":
        import dskit.torch as dt
        t0 = clock()
        ds = dt.DatasetFolder(arg, loader=lambda p: p, extensions=(".jpg",))
        count = len(ds)
    elif what == "walk-os":
        for _, _, files in os.walk(arg):
            count += len(files)
    elif what == "walk-dskit":
        import dskit
        t0 = clock()
        count = sum(1 for _ in dskit.walk(arg, type="f"))
    elif what == "walk-dskit-count":
        import dskit
        t0 = clock()
        count = dskit.walk(arg, type="f").count()
    elif what == "sampler-distributed":
        import torch.utils.data
        n = int(arg)
        base_rss = rss_mb()
        t0 = clock()
        s = torch.utils.data.DistributedSampler(range(n), num_replicas=1, rank=0, shuffle=True, seed=1)
        it = iter(s)  # builds the epoch's permutation as a list of n Python ints
        count = sum(1 for _ in itertools.islice(it, 1_000_000))
    elif what == "sampler-epoch":
        import dskit.torch as dt
        n = int(arg)
        base_rss = rss_mb()
        t0 = clock()
        s = dt.EpochSampler(n, seed=1, rank=0, world=1)
        count = sum(1 for _ in itertools.islice(iter(s), 1_000_000))
    elif what == "randperm":
        import torch
        n = int(arg)
        base_rss = rss_mb()
        t0 = clock()
        count = len(torch.randperm(n))
    elif what == "manifest-pandas":
        import csv
        import pandas as pd
        base_rss = rss_mb()
        t0 = clock()
        count = len(pd.read_csv(arg, sep="\t", skiprows=1, quoting=csv.QUOTE_NONE, dtype=str,
                                keep_default_na=False))
    elif what == "manifest-dskit":
        import dskit
        base_rss = rss_mb()
        t0 = clock()
        count = len(dskit.Manifest(arg))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    t1 = clock()
    out = {"what": what, "seconds": round(t1[0] - t0[0], 4), "cpu_s": round(t1[1] - t0[1], 4), "count": count,
           "rss_mb": round(rss_mb() - base_rss, 1)}
    if what.startswith("datasetfolder-"):  # what the two must agree on, beyond the count
        h = hashlib.sha256(repr((ds.classes, ds.class_to_idx, ds.samples, ds.targets)).encode("utf-8", "surrogateescape"))
        out["digest"] = h.hexdigest()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
