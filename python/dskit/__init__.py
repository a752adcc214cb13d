"""dskit: the storage side of AI datasets, inside the training script.

The same library as the dskit command-line tools (dsls, dsmanifest, ...), through a native module:

- :func:`walk` / :func:`list_files`: the parallel walker (concurrency chosen from the filesystem type, as
  dsls does), with dsls's filters; entries arrive in batches while the walk runs, the GIL released.
- :class:`Manifest`: a dskit manifest as numpy columns, paths in one buffer (fork-friendly).
- :func:`shuffle` and :class:`dskit.torch.EpochSampler`: the stateless epoch orders of ``dsmanifest shuffle``
  and ``dsmanifest shard``, computed per index in O(1) memory.
- :func:`balance`: ``dsbalance``'s report (class counts, imbalance metrics, drift between splits, gates) as
  a dict with the keys of ``dsbalance --json``, plus the class weights.
- :mod:`dskit.torch`: drop-in ``ImageFolder`` / ``DatasetFolder`` found by the parallel walk, and the sampler.

Paths are ``str`` decoded as :func:`os.fsdecode` does (bytes that are not valid UTF-8 become surrogate
escapes, and :func:`os.fsencode` gives the original bytes back).
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from typing import Iterator, List, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _dskit

__all__ = ["Entry", "WalkError", "Walk", "walk", "list_files", "Manifest", "Paths", "shuffle", "balance"]

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


class Entry(NamedTuple):
    """One entry of a walk: ``path`` as the root was given joined with the relative path, ``type`` one of
    find's letters (f d l b c p s), ``size`` and ``mtime_ns`` when ``stat=True`` (else None)."""

    path: str
    type: str
    size: Optional[int]
    mtime_ns: Optional[int]


class WalkError(NamedTuple):
    """A failure while walking, collected (not raised): the path, the errno value, the operation, and the
    one-line message dsls prints."""

    path: str
    errno: int
    op: str
    message: str


def _ns(t: Union[None, int, float, "time.struct_time"]) -> Optional[int]:
    if t is None:
        return None
    if hasattr(t, "timestamp"):  # datetime
        return int(t.timestamp() * 1e9)  # type: ignore[union-attr]
    return int(float(t) * 1e9)  # type: ignore[arg-type]


class Walk:
    """A running walk: iterate it for :class:`Entry` values; ``errors`` holds the collected failures once
    it is exhausted (or at any time, those so far). Use as a context manager, or call :meth:`close`, to stop
    a walk early."""

    def __init__(self, roots: Sequence[PathLike], *, type: Optional[str] = None,
                 name: Union[None, str, Sequence[str]] = None, exclude: Union[None, str, Sequence[str]] = None,
                 regex: Optional[str] = None, hidden: bool = True, min_depth: int = 1, max_depth: int = -1,
                 min_size: Optional[int] = None, max_size: Optional[int] = None, newer=None, older=None,
                 stat: bool = False, follow: bool = False, one_file_system: bool = False, threads: int = 0):
        self._roots = [os.fspath(r) for r in roots]
        for r in self._roots:
            os.stat(r)  # a missing root raises FileNotFoundError (with its path) before anything is walked
        self._stat = stat
        self._w = _dskit.Walker(
            self._roots, types=type or "",
            names=[name] if isinstance(name, str) else list(name or []),
            exclude=[exclude] if isinstance(exclude, str) else list(exclude or []),
            regex=regex, hidden=hidden, min_depth=min_depth, max_depth=max_depth, min_size=min_size,
            max_size=max_size, newer_ns=_ns(newer), older_ns=_ns(older), stat=stat, follow=follow,
            one_file_system=one_file_system, threads=threads)

    @property
    def threads(self) -> int:
        """The walker's thread count (chosen from the filesystem type unless given)."""
        return self._w.threads

    @property
    def errors(self) -> List[WalkError]:
        return [WalkError(*e) for e in self._w.errors]

    def batches(self):
        """The raw batches: (rel paths, root indexes, type letters, sizes or None, mtimes or None)."""
        while True:
            b = self._w.next_batch()
            if b is None:
                return
            yield b

    def __iter__(self) -> Iterator[Entry]:
        # The entries of each batch are made natively (no Python code per entry) and flattened in C.
        return itertools.chain.from_iterable(iter(functools.partial(self._w.next_entries, Entry), None))

    def count(self) -> int:
        """Walks to the end and returns the number of entries not yet handed out (all of them on a walk not
        iterated yet), without making an object per entry."""
        return self._w.count()

    def close(self) -> None:
        self._w.close()

    def __enter__(self) -> "Walk":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def walk(root: Union[PathLike, Sequence[PathLike]], **options) -> Walk:
    """Walks ``root`` (or several roots) in parallel, like ``dsls``: every entry below it, in no particular
    order (sort the result if you need one). Options: ``type`` (find letters, e.g. ``"f"``), ``name`` and
    ``exclude`` (globs), ``regex`` (POSIX ERE on the relative path), ``hidden``, ``min_depth``,
    ``max_depth``, ``min_size``/``max_size`` (bytes), ``newer``/``older`` (Unix seconds or datetime),
    ``stat`` (adds size and mtime), ``follow`` (symlinks), ``one_file_system``, ``threads``."""
    roots = [root] if isinstance(root, (str, bytes, os.PathLike)) else list(root)
    return Walk(roots, **options)


def list_files(root: Union[PathLike, Sequence[PathLike]], **options):
    """The whole walk at once, sorted by path: a dict of ``paths`` (list of str), ``types`` (numpy array of
    one-letter bytes) and, with ``stat=True``, ``sizes`` and ``mtimes`` (numpy arrays); ``errors`` lists the
    failures. Takes :func:`walk`'s options; ``type`` defaults to ``"f"`` (files)."""
    options.setdefault("type", "f")
    w = walk(root, **options)
    paths, types, sizes, mtimes, in_order = w._w.drain_sorted()
    types = np.frombuffer(types, dtype="S1") if paths else np.array([], dtype="S1")
    if not in_order:  # some path is not valid UTF-8: sorted here, as str
        order = np.array(sorted(range(len(paths)), key=paths.__getitem__), dtype=np.int64)
        paths = [paths[i] for i in order]
        types = types[order]
        if sizes is not None:
            sizes, mtimes = sizes[order], mtimes[order]
    out = {"paths": paths, "types": types, "errors": w.errors}
    if options.get("stat"):
        out["sizes"], out["mtimes"] = sizes, mtimes
    return out


class Paths(Sequence[str]):
    """A manifest's paths in one byte buffer plus offsets (no Python object per row until asked):
    ``paths[i]`` and slices give ``str`` (``os.fsdecode``), :meth:`raw` the bytes."""

    def __init__(self, buf: np.ndarray, offsets: np.ndarray, prefix: str = ""):
        self._buf = buf
        self._off = offsets
        self._prefix = prefix

    def __len__(self) -> int:
        return len(self._off) - 1

    def raw(self, i: int) -> bytes:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("manifest path index out of range")
        return self._buf[self._off[i]:self._off[i + 1]].tobytes()

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._prefix + os.fsdecode(self.raw(int(i)))

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


class Manifest:
    """A dskit manifest (man/dskit-manifest.5) loaded as numpy columns.

    ``paths`` (:class:`Paths`, relative to ``root``), ``sizes`` (uint64), ``mtimes`` (int64 ns), ``inos``,
    ``hashes`` (fixed-width hex bytes), ``labels`` (int32 index into ``classes``, sorted as torchvision
    sorts class folders; -1 for no label), ``repeat`` (uint32 repeat counts, or None), ``extra`` (other
    columns as lists of str), ``root``, ``hash`` (algorithm), ``metadata``. ``len(m)`` rows; ``m[i]`` is a
    dict of one row. Columns are arrays over shared buffers, so DataLoader workers forked after loading
    share them instead of copying them.
    """

    def __init__(self, path: PathLike, root: Optional[PathLike] = None):
        d = _dskit.load_manifest(os.fspath(path), None if root is None else os.fspath(root))
        self.path = os.fsdecode(os.fspath(path))
        self.root: str = d["root"]
        self.hash: str = d["hash"]
        self.metadata: dict = d["metadata"]
        self.columns: List[str] = d["columns"]
        self.paths = Paths(d["path_bytes"], d["path_offsets"])
        self.sizes: Optional[np.ndarray] = d.get("sizes")
        self.mtimes: Optional[np.ndarray] = d.get("mtimes")
        self.inos: Optional[np.ndarray] = d.get("inos")
        self.hashes: Optional[np.ndarray] = d.get("hashes")
        self.repeat: Optional[np.ndarray] = d.get("repeat")
        self.extra: dict = d["extra"]
        self.classes: List[str] = []
        self.labels: Optional[np.ndarray] = None
        if "labels" in d:
            # Native order is by bytes; torchvision sorts class names as str (they differ only for bytes
            # that are not valid UTF-8): re-sort in Python and remap.
            native: List[str] = d["classes"]
            self.classes = sorted(native)
            where = {c: i for i, c in enumerate(self.classes)}
            remap = np.array([where[c] for c in native] + [-1], dtype=np.int32)
            self.labels = remap[d["labels"]]

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> dict:
        row = {"path": self.paths[i]}
        if self.sizes is not None:
            row["size"] = int(self.sizes[i])
        if self.mtimes is not None:
            row["mtime_ns"] = int(self.mtimes[i])
        if self.hashes is not None:
            row["hash"] = self.hashes[i].decode()
        if self.labels is not None:
            li = int(self.labels[i])
            row["label"] = self.classes[li] if li >= 0 else ""
        if self.repeat is not None:
            row["repeat"] = int(self.repeat[i])
        for k, v in self.extra.items():
            row[k] = v[i]
        return row

    def abs_path(self, i: int) -> str:
        return os.path.join(self.root, self.paths[i])

    def expanded(self) -> np.ndarray:
        """Row indexes of the expanded sequence: each row ``repeat`` times, in manifest order (every row once
        without a repeat column): the sequence dsmanifest shuffle/shard order."""
        if self.repeat is None:
            return np.arange(len(self), dtype=np.int64)
        return np.repeat(np.arange(len(self), dtype=np.int64), self.repeat.astype(np.int64))

    def to_pandas(self):
        """The manifest as a pandas DataFrame (paths decoded, labels as their names)."""
        import pandas as pd

        cols = {"path": list(self.paths)}
        if self.sizes is not None:
            cols["size"] = self.sizes
        if self.mtimes is not None:
            cols["mtime_ns"] = self.mtimes
        if self.inos is not None:
            cols["ino"] = self.inos
        if self.hashes is not None:
            cols[self.hash.replace("-", "_")] = self.hashes.astype(str)
        if self.labels is not None:
            names = np.array(self.classes + [""], dtype=object)
            cols["label"] = names[self.labels]
        if self.repeat is not None:
            cols["repeat"] = self.repeat
        cols.update(self.extra)
        return pd.DataFrame(cols)

    def __repr__(self) -> str:
        return f"Manifest({self.path!r}, rows={len(self)}, root={self.root!r})"


def shuffle(n: int, seed: int = 0, epoch: int = 0, *, mode: str = "global", block: int = 0, window: int = 1,
            partitions: int = 1024) -> np.ndarray:
    """The order of epoch ``epoch`` over ``n`` rows, as ``dsmanifest shuffle --seed --epoch`` gives it
    (docs/shuffle.md), as a uint64 array."""
    return _dskit.EpochOrder(n, seed=seed, epoch=epoch, mode=mode, block=block, window=window,
                             partitions=partitions).rows(0, n)


def balance(inputs: Union[PathLike, Sequence[PathLike]], *, by: Optional[str] = None,
            format: Optional[str] = None, weights: str = "balanced", beta: float = 0.9999,
            unit: str = "instances", no_crowd: bool = False, include_difficult: bool = False,
            id_column: str = "id", label_column: str = "label", separator: str = "|",
            merge: Union[None, str, Sequence[str]] = None, drop: Union[None, str, Sequence[str]] = None,
            map: Optional[PathLike] = None, many: int = 100, few: int = 20,
            fail_if: Union[None, str, Sequence[str]] = None, threads: int = 0) -> dict:
    """``dsbalance``'s report of a dataset as a dict with exactly the keys of ``dsbalance --json`` (man
    dsbalance(1)), plus ``"weights"``: the class weights of ``dsbalance --weights METHOD`` (one per class of
    ``"classes"``, in its order; with two inputs, of the first alone).

    ``inputs`` is a manifest, an ImageFolder directory, a CSV label file, a COCO JSON file, or a YOLO or VOC
    directory (the format detected, or ``format=``), or two of them (train, val: the drift of val against
    train). The options mirror dsbalance's flags: ``by`` (``--by COLUMN``), ``weights`` (balanced, inverse,
    inverse-sqrt, effective) and ``beta``, ``unit``, ``no_crowd``, ``include_difficult``, ``id_column``,
    ``label_column``, ``separator``, ``merge`` (``"SRC=DST"``, globs), ``drop``, ``map``, ``many``/``few``
    (the bands), ``fail_if`` (gate expressions: their results are in ``"gates"``; nothing is raised when one
    trips), ``threads``. A missing input raises :class:`FileNotFoundError`, anything else dsbalance refuses
    :class:`ValueError` with its message (naming the path); dsbalance's warnings are Python warnings."""
    import json
    import warnings as _warnings

    paths = [inputs] if isinstance(inputs, (str, bytes, os.PathLike)) else list(inputs)
    for p in paths:
        os.stat(p)  # a missing input raises FileNotFoundError with its path
    as_list = lambda v: [v] if isinstance(v, str) else list(v or [])  # noqa: E731
    doc, class_weights, warned = _dskit.balance(
        [os.fspath(p) for p in paths],
        dict(format=format or "", by=by or "", unit=unit, crowd=not no_crowd,
             include_difficult=include_difficult, id_column=id_column, label_column=label_column,
             separator=separator, merges=as_list(merge), drops=as_list(drop),
             map_file=None if map is None else os.fspath(map), many=many, few=few, gates=as_list(fail_if),
             weights=weights, beta=beta, threads=threads))
    for w in warned:
        _warnings.warn(w, stacklevel=2)
    report = json.loads(doc)
    report["weights"] = class_weights
    return report
