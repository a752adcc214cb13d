"""dskit.torch.EpochSampler and dskit.shuffle against dsmanifest shard/shuffle as the oracle."""
import itertools

import numpy as np
import pytest
import torch.utils.data

import dskit
import dskit.torch as dt
from conftest import tool


def manifest_of(tmp_path, n):
    m = tmp_path / f"n{n}.tsv"
    m.write_text("#dskit-manifest v1\troot=/r\thash=none\npath\n" + "".join(f"f{i}\n" for i in range(n)))
    return str(m)


def shard(m, *args):
    return [int(x) for x in tool("dsmanifest", "shard", m, "--indices", *map(str, args)).split()]


@pytest.mark.parametrize("n", [1, 7, 100, 1001])
def test_equals_dsmanifest_shard(tmp_path, n):
    m = manifest_of(tmp_path, n)
    for seed, epoch, world in [(0, 0, 1), (7, 3, 4), (123, 1, 3), (5, 9, 8)]:
        for rank in range(world):
            for tail, flag in [("uneven", []), ("pad", ["--pad"]), ("drop", ["--drop-last"])]:
                s = dt.EpochSampler(n, seed=seed, rank=rank, world=world, pad=tail == "pad",
                                    drop_last=tail == "drop", chunk=13)
                s.set_epoch(epoch)
                want = shard(m, "--seed", seed, "--epoch", epoch, "--rank", rank, "--world", world, *flag)
                assert list(s) == want, (n, seed, epoch, world, rank, tail)
                assert len(s) == len(want)
                assert s.indices().tolist() == want


def test_unshuffled_is_manifest_order(tmp_path):
    m = manifest_of(tmp_path, 10)
    s = dt.EpochSampler(10, rank=1, world=3, shuffle=False, pad=False)
    assert list(s) == shard(m, "--rank", 1, "--world", 3)


def test_shuffle_equals_dsmanifest_shuffle(tmp_path):
    m = manifest_of(tmp_path, 500)
    out = tool("dsmanifest", "shuffle", m, "--seed", "42", "--epoch", "2").decode().split("\n")[2:]
    assert [f"f{i}" for i in dskit.shuffle(500, seed=42, epoch=2)] == [l for l in out if l]


def test_dataloader_workers_see_every_index_once_per_epoch():
    n, world = 1003, 4
    ds = torch.utils.data.TensorDataset(torch.arange(n))
    for epoch in range(2):
        seen = []
        for rank in range(world):
            s = dt.EpochSampler(n, seed=11, rank=rank, world=world, pad=False)
            s.set_epoch(epoch)
            dl = torch.utils.data.DataLoader(ds, batch_size=16, sampler=s, num_workers=2)
            seen += [int(x) for (b,) in dl for x in b]
        assert sorted(seen) == list(range(n))


def test_epochs_differ_and_repeat():
    s = dt.EpochSampler(50, seed=3, rank=0, world=1)
    s.set_epoch(0)
    e0 = list(s)
    s.set_epoch(1)
    e1 = list(s)
    s.set_epoch(0)
    assert list(s) == e0 and e0 != e1 and sorted(e0) == sorted(e1) == list(range(50))


def test_resume_from_state_dict():
    s = dt.EpochSampler(1000, seed=5, rank=2, world=3)
    s.set_epoch(4)
    full = list(s)
    s.set_epoch(4)
    head = list(itertools.islice(iter(s), 100))
    state = s.state_dict()
    assert state["position"] == 100 and state["epoch"] == 4
    r = dt.EpochSampler(1000, seed=5, rank=2, world=3)
    r.load_state_dict(state)
    assert head + list(r) == full
    assert list(r) == full  # the next iteration is a whole epoch again
    with pytest.raises(ValueError):
        dt.EpochSampler(999, seed=5, rank=2, world=3).load_state_dict(state)


def test_memory_does_not_grow_with_n():
    s = dt.EpochSampler(10 ** 12, seed=1, rank=5, world=8)
    assert len(s) == 125_000_000_000
    first = list(itertools.islice(iter(s), 5))
    assert all(0 <= i < 10 ** 12 for i in first)


def test_manifest_with_repeat(tmp_path):
    rep = tmp_path / "rep.tsv"
    rep.write_text("#dskit-manifest v1\troot=/r\thash=none\npath\trepeat\n"
                   + "".join(f"f{i}\t{i % 3}\n" for i in range(30)))
    man = dskit.Manifest(str(rep))
    s = dt.EpochSampler(man, seed=9, rank=0, world=1)
    got = list(s)
    assert len(got) == int(man.repeat.sum())
    assert sorted(got) == sorted(man.expanded().tolist())
    # dsmanifest shard orders the same expanded sequence: the same manifest rows, in the same order.
    assert got == shard(str(rep), "--seed", 9, "--rank", 0, "--world", 1)
    for seed, epoch, world in [(9, 0, 1), (4, 2, 3), (77, 5, 7)]:
        for rank in range(world):
            for tail, flag in [("uneven", []), ("pad", ["--pad"]), ("drop", ["--drop-last"])]:
                s = dt.EpochSampler(man, seed=seed, rank=rank, world=world, pad=tail == "pad",
                                    drop_last=tail == "drop")
                s.set_epoch(epoch)
                want = shard(str(rep), "--seed", seed, "--epoch", epoch, "--rank", rank, "--world", world, *flag)
                assert list(s) == want, (seed, epoch, world, rank, tail)


def test_bad_arguments():
    with pytest.raises(ValueError):
        dt.EpochSampler(10, rank=3, world=3)
    with pytest.raises(ValueError):
        dt.EpochSampler(10, mode="nope", rank=0, world=1).indices()
