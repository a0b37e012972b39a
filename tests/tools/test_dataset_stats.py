"""tools/dataset_stats.py: the statistics of a dataset, on the tiny generated set."""
import json

import numpy as np
import pytest

from mmcl_ice_plugin.datasets import ReIDDataset
from mmcl_ice_plugin.datasets.synthetic import read_summary

from .helpers import load_tool, run_tool


def test_sizes_count_identities_cameras_and_images(tiny_market):
    stats = load_tool('dataset_stats').size_stats(ReIDDataset(tiny_market))
    summary = read_summary(tiny_market)
    assert stats['num_ids'] == summary['num_train_ids']
    assert stats['num_images'] == summary['train']
    assert stats['num_cams'] == summary['num_train_cams']
    assert np.isclose(stats['imgs_per_id'], summary['train'] / summary['num_train_ids'])
    assert 2 <= stats['cams_per_id'] <= stats['num_cams']
    assert 1 <= stats['imgs_per_id_cam'] <= stats['imgs_per_id']


@pytest.mark.slow(10)
def test_prints_and_writes_every_figure(tiny_market, tmp_path):
    out = tmp_path / 'stats.json'
    proc = run_tool('dataset_stats.py', tiny_market, '--height', '64', '--width', '32',
                    '--k1', '10', '--workers', '0', '--json', str(out))
    stats = json.loads(out.read_text())
    assert 'pairwise precision' in proc.stdout and 'ImageNet' in proc.stdout
    for key in ('imagenet_direct', 'random_init_direct'):
        assert 0 < stats[key]['mAP'] <= 100 and 0 <= stats[key]['rank1'] <= 100
    clusters = stats['epoch0_clusters']
    assert clusters['num_clusters'] >= 1 and 0 <= clusters['num_outliers'] < stats['sizes'][
        'num_images']
    assert 0 <= clusters['precision'] <= 100 and 0 <= clusters['recall'] <= 100
