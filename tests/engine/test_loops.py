"""ResumableEpochLoop's pieces: the positioned sampler and per-item seeding."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import DataLoader, Sampler, SequentialSampler

from mmcl_ice_plugin.datasets import ReIDDataset
from mmcl_ice_plugin.datasets.samplers import IdentitySampler
from mmcl_ice_plugin.engine.loops import PositionedSampler, check_pk_batches
from mmcl_ice_plugin.utils import derive_seed


def test_positioned_sampler_skips_and_seeds_by_position():
    sampler = SequentialSampler(range(10))
    assert list(PositionedSampler(sampler, 0, None)) == list(range(10))
    assert list(PositionedSampler(sampler, 4, None)) == list(range(4, 10))
    seeded = list(PositionedSampler(sampler, 4, 100))
    assert seeded == [(i, 100 + i) for i in range(4, 10)]
    full = list(PositionedSampler(sampler, 0, 100))
    assert full[4:] == seeded  # a resumed epoch draws the same item seeds
    assert len(PositionedSampler(sampler, 4, 100)) == 10


def test_derive_seed_mixes_every_coordinate():
    seeds = {derive_seed(0, e, r, p) for e in range(3) for r in range(2) for p in (0, 1)}
    assert len(seeds) == 12
    assert derive_seed(1, 2, 3) == derive_seed(1, 2, 3)
    assert 0 <= derive_seed(5) < 2 ** 63


def test_item_seed_fixes_the_augmentation(tiny_market):
    pipeline = [dict(type='Resize', size=(64, 32)), dict(type='RandomHorizontalFlip'),
                dict(type='RandomCrop', size=(64, 32), padding=4), dict(type='ToTensor'),
                dict(type='RandomErasing', probability=0.5)]
    dataset = ReIDDataset(tiny_market, split='train', pipeline=pipeline)
    first = dataset[(3, 1234)]['img']
    torch.manual_seed(99)  # the global state before the call does not matter
    assert torch.equal(dataset[(3, 1234)]['img'], first)
    others = [dataset[(3, seed)]['img'] for seed in range(8)]
    assert any(not torch.equal(o, first) for o in others)
    assert dataset[(3, 1234)]['index'] == 3


def test_pk_batch_size_must_hold_whole_identities(tiny_market):
    sampler = IdentitySampler(ReIDDataset(tiny_market, split='train'), num_instances=4, seed=0)
    check_pk_batches(16, sampler)
    check_pk_batches(15, SequentialSampler(range(10)))  # not a PxK sampler
    with pytest.raises(ValueError, match=r'batch_size \(15\).*num_instances \(4\)'):
        check_pk_batches(15, sampler)


class _ToyModel(BaseModel):
    """One weight; records the inputs of every iteration."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.seen.append(inputs.tolist())
        return dict(loss=(self.weight * inputs.float().mean()).sum())


class _LenSampler(Sampler):
    """Yields ``range(num_items)`` while its len() says ``length``."""

    def __init__(self, num_items: int, length: int) -> None:
        self.num_items = num_items
        self.length = length

    def __iter__(self):
        return iter(range(self.num_items))

    def __len__(self) -> int:
        return self.length


def _run_loop(tmp_path, sampler: Sampler, iters_per_epoch=None) -> _ToyModel:
    model = _ToyModel()
    loader = DataLoader([dict(inputs=i) for i in range(16)], batch_size=2, sampler=sampler,
                        drop_last=True)
    runner = Runner(model=model, work_dir=str(tmp_path), train_dataloader=loader,
                    train_cfg=dict(type='ResumableEpochLoop', max_epochs=1,
                                   iters_per_epoch=iters_per_epoch),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                    default_hooks=dict(checkpoint=None), default_scope='mmcl_ice_plugin',
                    # its own logger and visualizer: runners built within one second would
                    # otherwise share the first one's (instances are named by the time)
                    experiment_name=f'toy_{tmp_path.name}')
    runner.train()
    return model


def test_loop_restarts_the_dataloader_for_longer_epochs(tmp_path):
    model = _run_loop(tmp_path, _LenSampler(6, 6), iters_per_epoch=5)
    assert model.seen == [[0, 1], [2, 3], [4, 5], [0, 1], [2, 3]]


def test_loop_rejects_a_sampler_shorter_than_its_len(tmp_path):
    with pytest.raises(RuntimeError, match=r'_LenSampler\) yielded no batch from position 3.*'
                                           r'fewer items than its len\(\) \(8\)'):
        _run_loop(tmp_path, _LenSampler(6, 8))
