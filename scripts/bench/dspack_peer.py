#!/usr/bin/env python3
"""The Python peer of dspack_bench.sh: a WebDataset shard writer as webdataset's ShardWriter works (webdataset is
not packaged here): os.walk in sorted order, files grouped into samples by key, each sample's members (and a
.cls member with the ImageFolder class index) written with tarfile into shards of at most 256 MB.

    dspack_peer.py SRC OUTDIR
"""
import io
import os
import sys
import tarfile
import time

MAXSIZE = 256 << 20


class ShardWriter:
    """Writes samples ({"__key__": key, ext: bytes, ...}) into OUTDIR/shard-NNNNNN.tar, a new shard past MAXSIZE."""

    def __init__(self, pattern):
        self.pattern, self.shard, self.tar, self.size = pattern, 0, None, 0

    def next_stream(self):
        if self.tar is not None:
            self.tar.close()
        self.tar = tarfile.open(self.pattern % self.shard, "w", format=tarfile.PAX_FORMAT)
        self.shard += 1
        self.size = 0

    def write(self, sample):
        if self.tar is None or self.size >= MAXSIZE:
            self.next_stream()
        key = sample["__key__"]
        for ext in sorted(k for k in sample if k != "__key__"):
            data = sample[ext]
            info = tarfile.TarInfo(key + "." + ext)
            info.size, info.mtime, info.mode, info.uname, info.gname = len(data), 0, 0o444, "bigdata", "bigdata"
            self.tar.addfile(info, io.BytesIO(data))
            self.size += len(data)

    def close(self):
        if self.tar is not None:
            self.tar.close()


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    classes = sorted(e.name for e in os.scandir(src) if e.is_dir())
    idx = {c: i for i, c in enumerate(classes)}
    w = ShardWriter(os.path.join(out, "shard-%06d.tar"))
    samples = files = 0
    for d, dirs, names in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(d, src)
        groups = {}
        for n in sorted(names):
            if "." not in n[1:]:
                continue
            key, ext = n.split(".", 1)
            groups.setdefault(key, {})[ext] = n
        for key, members in groups.items():
            sample = {"__key__": os.path.join(rel, key) if rel != "." else key}
            for ext, n in members.items():
                with open(os.path.join(d, n), "rb") as f:
                    sample[ext] = f.read()
                files += 1
            top = rel.split(os.sep)[0]
            if top in idx:
                sample["cls"] = str(idx[top]).encode()
            w.write(sample)
            samples += 1
    w.close()
    print(f"{samples} samples, {files} files, {w.shard} shards, {time.time() - t0:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
