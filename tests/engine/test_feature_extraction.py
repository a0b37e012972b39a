"""extract_features: features in dataset order whatever order the loader visits them in, the
requested dtype, an error when items are missed, and a progress bar counting images."""
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from mmcl_ice_plugin.engine import feature_extraction
from mmcl_ice_plugin.engine.feature_extraction import extract_features, unique_first


class IndexDataset(Dataset):
    """Item ``i``: an image whose first pixel is ``i``."""

    def __init__(self, num: int):
        self.num = num

    def __len__(self) -> int:
        return self.num

    def __getitem__(self, index: int) -> dict:
        return dict(img=torch.full((3, 2, 2), float(index)), index=index)


class FixedOrder(Sampler):

    def __init__(self, order):
        self.order = list(order)

    def __iter__(self):
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


def table_forward(table: torch.Tensor):
    """A "model" returning row ``i`` of ``table`` for the image of item ``i``."""
    return lambda img: table[img[:, 0, 0, 0].long()]


def test_features_in_dataset_order_from_a_shuffled_loader():
    table = torch.randn(23, 5)
    order = torch.randperm(23, generator=torch.Generator().manual_seed(0)).tolist()
    loader = DataLoader(IndexDataset(23), batch_size=4, sampler=FixedOrder(order))
    feats, indices = extract_features(table_forward(table), loader, progress=False)
    assert torch.equal(indices, torch.arange(23))
    assert feats.dtype == torch.float32
    assert torch.equal(feats, table)


def test_float16_features():
    table = torch.randn(10, 3)
    loader = DataLoader(IndexDataset(10), batch_size=3)
    feats, _ = extract_features(table_forward(table), loader, progress=False,
                                dtype=torch.float16)
    assert feats.dtype == torch.float16
    assert torch.equal(feats, table.half())


def test_missed_items_raise():
    loader = DataLoader(IndexDataset(8), batch_size=2, sampler=FixedOrder(range(6)))
    with pytest.raises(RuntimeError, match='covered 6 of 8 items'):
        extract_features(table_forward(torch.randn(8, 2)), loader, progress=False)


def test_progress_bar_counts_images(monkeypatch):
    """The bar (mmengine's: count, rate and ETA) counts images, not batches."""
    calls = []

    class Bar:

        def __init__(self, total):
            calls.append(('total', total))

        def update(self, num):
            calls.append(num)

    monkeypatch.setattr(feature_extraction, 'ProgressBar', Bar)
    loader = DataLoader(IndexDataset(7), batch_size=3)
    extract_features(table_forward(torch.randn(7, 2)), loader)
    assert calls == [('total', 7), 3, 3, 1]


def test_unique_first():
    uniq, first = unique_first(torch.tensor([4, 2, 4, 0, 2]))
    assert uniq.tolist() == [0, 2, 4]
    assert first.tolist() == [3, 1, 0]
