import os
import os.path as osp
import shutil

import pytest

os.environ.setdefault('OMP_NUM_THREADS', '2')

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def tiny_market(tmp_path_factory) -> str:
    """A tiny generated dataset in Market-1501 layout (shared, read-only for tests)."""
    from mmcl_ice_plugin.datasets import PRESETS, make_synthetic_reid
    root = str(tmp_path_factory.mktemp('synthetic') / 'tiny')
    make_synthetic_reid(root, seed=0, **PRESETS['tiny'])
    return root


@pytest.fixture
def market_copy(tiny_market, tmp_path) -> str:
    """A private copy of the tiny dataset that a test may damage."""
    root = str(tmp_path / 'market')
    shutil.copytree(tiny_market, root)
    return root
