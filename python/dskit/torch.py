"""PyTorch drop-ins: torchvision's ``ImageFolder`` and ``DatasetFolder`` found by dskit's parallel walk, a
constructor from a dskit manifest that never touches the tree, and ``EpochSampler``, a replacement for
``DistributedSampler`` whose order is computed per index (O(1) memory) and equals ``dsmanifest shard``'s.
"""

from __future__ import annotations

import inspect
import math
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np
import torch.utils.data
import torchvision.datasets as tvd
from torchvision.datasets.folder import IMG_EXTENSIONS, default_loader, has_file_allowed_extension

from . import Manifest, _dskit

__all__ = ["DatasetFolder", "ImageFolder", "EpochSampler", "make_dataset"]

_TV_ALLOW_EMPTY = "allow_empty" in inspect.signature(tvd.DatasetFolder.__init__).parameters


def make_dataset(directory: Union[str, os.PathLike], class_to_idx: Optional[Dict[str, int]] = None,
                 extensions: Union[None, str, Tuple[str, ...]] = None,
                 is_valid_file: Optional[Callable[[str], bool]] = None, allow_empty: bool = False,
                 threads: int = 0) -> List[Tuple[str, int]]:
    """torchvision's ``make_dataset``, with the same result (same samples, same order, same errors, the same
    calls to ``is_valid_file``), found by one parallel walk of ``directory`` instead of one ``os.walk`` per
    class folder.

    The class folders are walked, the files sorted and the ``(path, class_index)`` list built natively: the
    extension check (``path.lower().endswith(extensions)``) is done on the bytes where that is exact (the
    path's last characters ASCII), files are sorted by their bytes where the bytes sort as the ``str`` do
    (valid UTF-8), and Python does the rest (``is_valid_file``, other names). As torchvision does, symlinks
    to directories are followed, and every entry that is not a directory (files, symlinks to files, broken
    symlinks) is a candidate file; the order is that of ``sorted(os.walk(class_dir))`` then sorted file
    names. A symlink loop is walked once (os.walk would descend until the path is too long)."""
    return _make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty, threads)[0]


def _make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty, threads):
    """make_dataset's samples, and their targets when the walk made them (else None)."""
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = tvd.folder.find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    both_none = extensions is None and is_valid_file is None
    both_something = extensions is not None and is_valid_file is not None
    if both_none or both_something:
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    classes = sorted(class_to_idx.keys())
    if _plain_names(directory, classes):
        exts = None
        check = is_valid_file
        if extensions is not None:
            exts = (extensions,) if isinstance(extensions, str) else tuple(extensions)
            if not all(isinstance(e, str) and e.isascii() for e in exts):
                exts = None
                check = _extension_check(extensions)
        samples, found, targets = _dskit.folder_samples(directory, classes, [class_to_idx[c] for c in classes],
                                                        exts, check, threads)
        available = {c for c, f in zip(classes, found) if f}
    else:
        targets = None
        samples, available = _make_dataset_py(directory, class_to_idx, classes, extensions, is_valid_file,
                                              threads)
    empty_classes = set(class_to_idx.keys()) - available
    if empty_classes and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty_classes))}. "
        if extensions is not None:
            msg += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(msg)
    return samples, targets


def _plain_names(directory, classes) -> bool:
    """Whether the native path applies: a non-empty str directory, and class names that are each one
    directory entry (no "/", not "." or "..") encodable as a path."""
    if not isinstance(directory, str) or not directory:
        return False
    for c in classes:
        if not isinstance(c, str) or c in ("", ".", "..") or "/" in c or "\0" in c:
            return False
        try:
            os.fsencode(c)
        except UnicodeError:
            return False
    return True


def _extension_check(extensions) -> Callable[[str], bool]:
    def is_valid_file(x: str) -> bool:
        return has_file_allowed_extension(x, extensions)

    return is_valid_file


def _make_dataset_py(directory, class_to_idx, classes, extensions, is_valid_file, threads):
    """make_dataset for class names that are not plain folder names: each class folder walked as a root,
    sorted and checked in Python."""
    if extensions is not None:
        is_valid_file = _extension_check(extensions)
    class_dirs = [os.path.join(directory, c) for c in classes]
    walked = [i for i, d in enumerate(class_dirs) if os.path.isdir(d)]
    per_class: List[List[Tuple[str, str]]] = [[] for _ in classes]
    if walked:
        w = _dskit.Walker([class_dirs[i] for i in walked], follow=True, threads=threads)
        while True:
            b = w.next_batch()
            if b is None:
                break
            rel, roots, types, _, _ = b
            for r, root, t in zip(rel, roots.tolist(), types):
                if t != 0x64:  # not 'd': what os.walk lists among the file names
                    d, _, f = r.rpartition("/")
                    per_class[walked[root]].append((d, f))
    instances: List[Tuple[str, int]] = []
    available = set()
    for ci, target_class in enumerate(classes):
        class_index = class_to_idx[target_class]
        base = class_dirs[ci]
        for d, f in sorted(per_class[ci]):
            path = os.path.join(base, d, f) if d else os.path.join(base, f)
            if is_valid_file(path):  # type: ignore[misc]
                instances.append((path, class_index))
                available.add(target_class)
    return instances, available


class DatasetFolder(tvd.DatasetFolder):
    """``torchvision.datasets.DatasetFolder`` with the same arguments and exactly the same ``classes``,
    ``class_to_idx``, ``samples`` and ``targets``, found by dskit's parallel walk (``threads``: the walk's
    concurrency, chosen from the filesystem type when 0)."""

    def __init__(self, root, loader: Callable[[str], Any], extensions=None, transform=None,
                 target_transform=None, is_valid_file=None, allow_empty: bool = False, threads: int = 0):
        # torchvision's DatasetFolder.__init__, step for step (self.find_classes, and self.make_dataset when a
        # subclass overrides it, called as it calls them), but for `targets`: made natively with the samples
        # when make_dataset is this class's, instead of a Python loop over them after the walk.
        self._dskit_allow_empty = allow_empty
        self._dskit_threads = threads
        super(tvd.DatasetFolder, self).__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)
        targets = None
        if type(self).make_dataset is DatasetFolder.make_dataset and "make_dataset" not in vars(self):
            samples, targets = _make_dataset(self.root, class_to_idx, extensions, is_valid_file, allow_empty,
                                             threads)
        else:
            kwargs = {"allow_empty": allow_empty} if _TV_ALLOW_EMPTY else {}
            samples = self.make_dataset(self.root, class_to_idx, extensions, is_valid_file, **kwargs)

        self.loader = loader
        self.extensions = extensions

        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = targets if targets is not None else [s[1] for s in samples]

    def make_dataset(self, directory, class_to_idx, extensions=None, is_valid_file=None,  # type: ignore[override]
                     allow_empty=None):
        if allow_empty is None:
            allow_empty = getattr(self, "_dskit_allow_empty", False)
        return make_dataset(directory, class_to_idx, extensions=extensions, is_valid_file=is_valid_file,
                            allow_empty=allow_empty, threads=getattr(self, "_dskit_threads", 0))

    @classmethod
    def from_manifest(cls, manifest: Union[str, os.PathLike, Manifest], root=None, loader=None,
                      extensions=None, transform=None, target_transform=None, is_valid_file=None,
                      allow_empty: bool = False):
        """The dataset of a dskit manifest, without touching the tree: classes are the manifest's labels
        (sorted as torchvision sorts class folders), samples are ``root/path`` with their class index, in
        the order ImageFolder gives them (class, then directory, then file name), each row ``repeat`` times
        when the manifest has a repeat column. Rows without a label are left out. ``extensions`` or
        ``is_valid_file`` filter the rows as they filter files."""
        m = manifest if isinstance(manifest, Manifest) else Manifest(manifest)
        if m.labels is None:
            raise ValueError(f"{m.path}: the manifest has no label column")
        if loader is None:
            loader = default_loader
        if extensions is not None and is_valid_file is not None:
            raise ValueError("Both extensions and is_valid_file cannot be not None at the same time")
        base = os.fsdecode(os.fspath(root)) if root is not None else m.root
        rows = []
        labels = m.labels
        for i in range(len(m)):
            li = int(labels[i])
            if li < 0:
                continue
            rel = m.paths[i]
            d, _, f = rel.rpartition("/")
            rows.append((li, d, f, i))
        rows.sort()
        samples: List[Tuple[str, int]] = []
        available = set()
        rep = m.repeat
        for li, d, f, i in rows:
            path = os.path.join(base, d, f) if d else os.path.join(base, f)
            if extensions is not None and not has_file_allowed_extension(path, extensions):
                continue
            if is_valid_file is not None and not is_valid_file(path):
                continue
            available.add(li)
            samples.extend([(path, li)] * (1 if rep is None else int(rep[i])))
        if len(available) < len(m.classes) and not allow_empty:
            empty = sorted(c for k, c in enumerate(m.classes) if k not in available)
            raise FileNotFoundError(f"Found no valid file for the classes {', '.join(empty)}. ")
        self = cls.__new__(cls)
        tvd.VisionDataset.__init__(self, base, transform=transform, target_transform=target_transform)
        self.loader = loader
        self.extensions = extensions
        self.classes = list(m.classes)
        self.class_to_idx = m.class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]
        if isinstance(self, ImageFolder):
            self.imgs = self.samples
        return self


class ImageFolder(DatasetFolder):
    """``torchvision.datasets.ImageFolder`` (same arguments, same ``classes``, ``class_to_idx``,
    ``samples``, ``targets`` and ``imgs``), found by dskit's parallel walk."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty: bool = False, threads: int = 0):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file,
                         allow_empty=allow_empty, threads=threads)
        self.imgs = self.samples

    @classmethod
    def from_manifest(cls, manifest, root=None, transform=None, target_transform=None, loader=default_loader,
                      is_valid_file=None, allow_empty: bool = False):  # type: ignore[override]
        return super().from_manifest(manifest, root=root, loader=loader,
                                     extensions=IMG_EXTENSIONS if is_valid_file is None else None,
                                     transform=transform, target_transform=target_transform,
                                     is_valid_file=is_valid_file, allow_empty=allow_empty)


class EpochSampler(torch.utils.data.Sampler):
    """A replacement for ``DistributedSampler``: this rank's share of a seeded epoch order, computed per
    index in O(1) memory (no permutation list), equal to ``dsmanifest shard --seed S --epoch E --rank R
    --world W --indices`` (with ``--pad`` when ``pad=True``, ``--drop-last`` when ``drop_last=True``).

    ``n_or_manifest``: a sample count, or a :class:`dskit.Manifest` (its expanded rows: each row
    ``repeat`` times; indices are then manifest row numbers). ``rank``/``world`` default to
    ``torch.distributed``'s when it is initialised, else 0/1. ``shuffle=False`` keeps the manifest order.
    ``pad=True`` (the default, as DistributedSampler) gives every rank ceil(n/world) indices by repeating
    the first ones of the order; ``pad=False`` leaves shares uneven (they differ by at most one).
    ``set_epoch(e)`` selects the epoch; ``state_dict()``/``load_state_dict()`` resume mid-epoch.
    """

    def __init__(self, n_or_manifest: Union[int, Manifest], seed: int = 0, rank: Optional[int] = None,
                 world: Optional[int] = None, shuffle: bool = True, drop_last: bool = False,
                 pad: bool = True, mode: str = "global", block: int = 0, window: int = 1,
                 partitions: int = 1024, chunk: int = 65536):
        if isinstance(n_or_manifest, Manifest):
            self._rows: Optional[np.ndarray] = n_or_manifest.expanded() if n_or_manifest.repeat is not None else None
            self.n = len(n_or_manifest) if self._rows is None else len(self._rows)
        else:
            self._rows = None
            self.n = int(n_or_manifest)
        if self.n < 0:
            raise ValueError("the number of samples must be >= 0")
        if world is None or rank is None:
            dist = torch.distributed
            ready = dist.is_available() and dist.is_initialized()
            world = world if world is not None else (dist.get_world_size() if ready else 1)
            rank = rank if rank is not None else (dist.get_rank() if ready else 0)
        if world < 1 or not 0 <= rank < world:
            raise ValueError(f"rank {rank} is not in [0, {world})")
        if drop_last and pad:
            pad = False  # drop_last wins, as in DistributedSampler
        self.seed, self.rank, self.world = int(seed), int(rank), int(world)
        self.shuffle, self.drop_last, self.pad = shuffle, drop_last, pad
        self.mode = mode if shuffle else "none"
        self.block, self.window, self.partitions = block, window, partitions
        self.tail = "drop_last" if drop_last else ("pad" if pad else "uneven")
        self.chunk = max(1, int(chunk))
        self.epoch = 0
        self._start = 0  # position in this rank's share to start the next iteration at
        self._yielded = 0
        _dskit.rank_share(self.n, self.rank, self.world, self.tail)  # validates

    def _order(self):
        return _dskit.EpochOrder(self.n, seed=self.seed, epoch=self.epoch, mode=self.mode, block=self.block,
                                 window=self.window, partitions=self.partitions)

    def __len__(self) -> int:
        b, e = _dskit.rank_share(self.n, self.rank, self.world, self.tail)
        return e - b

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        self._start = 0
        self._yielded = 0

    def indices(self, start: int = 0, stop: Optional[int] = None) -> np.ndarray:
        """This rank's indices at share positions [start, stop) of the current epoch, as an array."""
        b, e = _dskit.rank_share(self.n, self.rank, self.world, self.tail)
        stop = e - b if stop is None else min(stop, e - b)
        if self.n == 0 or stop <= start:
            return np.array([], dtype=np.uint64)
        rows = self._order().rows(b + start, b + stop)
        return rows if self._rows is None else self._rows[rows]

    def __iter__(self) -> Iterator[int]:
        total = len(self)
        pos, self._start = self._start, 0
        self._yielded = pos
        if self.n == 0:
            return
        order = self._order()
        b, _ = _dskit.rank_share(self.n, self.rank, self.world, self.tail)
        while pos < total:
            end = min(total, pos + self.chunk)
            rows = order.rows(b + pos, b + end)
            if self._rows is not None:
                rows = self._rows[rows]
            for r in rows.tolist():
                self._yielded += 1
                yield r
            pos = end

    def state_dict(self) -> Dict[str, int]:
        """Where this sampler stands: the epoch and how many indices of it were handed out. Record the count
        of samples your loop really consumed in ``position`` if a DataLoader prefetched ahead."""
        return {"seed": self.seed, "epoch": self.epoch, "position": self._yielded, "n": self.n,
                "rank": self.rank, "world": self.world}

    def load_state_dict(self, state: Dict[str, int]) -> None:
        """Resumes: the next iteration starts at ``state['position']`` of epoch ``state['epoch']``."""
        if int(state.get("n", self.n)) != self.n:
            raise ValueError(f"state is for {state['n']} samples, this sampler has {self.n}")
        if int(state.get("seed", self.seed)) != self.seed:
            raise ValueError("state was saved with another seed")
        self.epoch = int(state["epoch"])
        self._start = int(state.get("position", 0))
        self._yielded = self._start
