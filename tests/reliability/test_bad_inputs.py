"""Bad inputs give an error naming the file or config key and the fix (or a warning where
going on is right), and nothing already saved is lost.

The matrix, and where each case is tested:

========================================  ===================================================
missing dataset root                      tests/datasets/test_reid_dataset.py::
                                          test_missing_dataset_fails_at_once_with_layout
wrong layout (data_root one level off)    here: test_wrong_layout_*
empty split                               tests/datasets/test_reid_dataset.py::
                                          test_empty_split_is_a_clear_error
corrupt or truncated image                tests/datasets/test_reid_dataset.py::
                                          test_corrupt_image_names_its_path
zero-byte image                           here
non-image file in an image folder         here (skipped with a warning); a ``.jpg`` that is
                                          not an image is the corrupt-image case
grayscale and RGBA images (read as RGB)   tests/datasets/test_reid_dataset.py::
                                          test_grayscale_and_rgba_are_read_as_rgb
camera / person id out of range,          here: test_bad_image_names_*,
file name off the naming                  test_torchreid_parser_rejection_*
unknown backbone name                     tests/models/test_backbones.py::
                                          test_unknown_backbone_name_is_a_clear_error
unknown dataset name                      tests/datasets/test_reid_dataset.py::
                                          test_unknown_source_and_split
unknown loss names                        here
eps <= 0, k2 > k1                         tests/engine/test_clustering_hook.py::
                                          test_invalid_hyperparameters, tests/pseudo_labels/
                                          test_clustering.py and test_jaccard.py::
                                          test_invalid_parameters; the config key: here
batch size not a multiple of instances    tests/datasets/test_pseudo_identity_sampler.py::
                                          test_bad_arguments_and_missing_labels (ICE);
                                          tests/engine/test_loops.py::test_pk_batch_size_
                                          must_hold_whole_identities (supervised PxK)
MPLP t outside (0, 1)                     here
no cluster / only outliers                tests/engine/test_clustering_hook.py::
                                          test_no_cluster_keeps_the_previous_labels (warning),
                                          test_no_cluster_in_the_first_epoch_is_a_clear_error;
                                          the sampler: tests/datasets/
                                          test_pseudo_identity_sampler.py
NaN or infinite loss                      tests/reliability/test_finite_loss.py
unwritable work dir                       here
truncated checkpoint given to --resume    here
SIGKILL while saving a checkpoint         tests/reliability/test_atomic_checkpoint.py
========================================  ===================================================
"""
import glob
import os
import os.path as osp
import re
import shutil

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from mmcl_ice_plugin.datasets import ReIDDataset, UnreadableImageError
from mmcl_ice_plugin.engine.hooks import ClusteringHook
from mmcl_ice_plugin.pseudo_labels.mplp import MPLP
from mmcl_ice_plugin.registry import MODELS
from mmcl_ice_plugin.utils.work_dir import check_writable_dir
from tests.tools.helpers import run_tool
from tests.tools.tiny_configs import supervised_config

R18 = dict(type='TorchreidBackbone', name='resnet18')


def test_wrong_layout_data_root_above_the_dataset_names_the_right_folder(market_copy, tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        ReIDDataset(str(tmp_path), source='folder')
    text = str(err.value)
    assert 'bounding_box_train' in text and 'Expected layout' in text
    assert f'A Market-1501 layout folder is at {market_copy}: set data_root to it' in text


def test_wrong_layout_market_folder_under_a_torchreid_name_suggests_source_folder(market_copy):
    with pytest.raises(FileNotFoundError, match=re.escape(
            f"{market_copy} itself is a Market-1501 layout folder: set the config key "
            "dataset.source='folder'")):
        ReIDDataset(market_copy, source='market1501')


def test_zero_byte_image_names_its_path(market_copy):
    ds = ReIDDataset(market_copy, split='query')
    open(ds.img_paths[0], 'wb').close()
    with pytest.raises(UnreadableImageError, match=re.escape(ds.img_paths[0])):
        ds[0]


def test_non_image_files_are_skipped_with_a_warning(market_copy):
    before = ReIDDataset(market_copy, split='train').img_paths
    folder = osp.join(market_copy, 'bounding_box_train')
    for name in ('notes.txt', 'extra.png', 'Thumbs.db', '.DS_Store'):
        with open(osp.join(folder, name), 'wb') as f:
            f.write(b'not an image')
    with pytest.warns(UserWarning) as record:
        after = ReIDDataset(market_copy, split='train')
    assert after.img_paths == before
    messages = [str(w.message) for w in record if 'skipping' in str(w.message)]
    assert messages == [f'{folder}: skipping 2 entries that are not .jpg images '
                        '(extra.png, notes.txt); a Market-1501 layout folder is read as *.jpg '
                        'only.']


@pytest.mark.parametrize('name,problem', [
    ('readme.jpg', 'does not follow the Market-1501 naming'),
    ('0001_c7s1_000001_00.jpg', 'camera id c7 is out of range 1..6'),
    ('0001_c0s1_000001_00.jpg', 'camera id c0 is out of range 1..6'),
    ('1502_c1s1_000001_00.jpg', 'person id 1502 is out of range -1..1501'),
])
def test_bad_image_names_are_named_with_the_fix(market_copy, name, problem):
    path = osp.join(market_copy, 'bounding_box_test', name)
    shutil.copy(glob.glob(osp.join(market_copy, 'query', '*.jpg'))[0], path)
    with pytest.raises(ValueError) as err:
        ReIDDataset(market_copy, split='train')  # any split: all three are parsed
    text = str(err.value)
    assert text.startswith(path) and problem in text and 'Rename or remove the file' in text


def test_torchreid_parser_rejection_is_a_clear_error(market_copy, tmp_path):
    shutil.copy(glob.glob(osp.join(market_copy, 'query', '*.jpg'))[0],
                osp.join(market_copy, 'query', '0001_c9s1_000001_00.jpg'))
    (tmp_path / 'market1501').mkdir()
    os.symlink(market_copy, tmp_path / 'market1501' / 'Market-1501-v15.09.15')
    with pytest.raises(ValueError, match=r"torchreid's 'market1501' parser rejected a file "
                                         r".*dataset.source='folder'"):
        ReIDDataset(str(tmp_path), source='market1501')


def test_unknown_ice_loss_names():
    with pytest.raises(KeyError, match=r"Unknown ICE losses \['centroids'\] in model.losses"):
        MODELS.build(dict(type='ICE', backbone=R18, losses=dict(centroids=dict(weight=2.0))))
    with pytest.raises(KeyError, match='CentroidLos is not in the mmcl_ice_plugin::model'):
        MODELS.build(dict(type='ICE', backbone=R18, losses=dict(centroid=dict(
            type='CentroidLos'))))


@pytest.mark.parametrize('mplp,error,key', [
    (dict(t=0), ValueError, 'model.mplp.t'),
    (dict(t=1.0), ValueError, 'model.mplp.t'),
    (dict(t=-0.3), ValueError, 'model.mplp.t'),
    (dict(min_k=0), ValueError, 'model.mplp.min_k'),
    (dict(threshold=0.6), KeyError, r"Unknown keys \['threshold'\] in model.mplp"),
])
def test_mmcl_refuses_invalid_mplp_settings(mplp, error, key):
    with pytest.raises(error, match=key):
        MODELS.build(dict(type='MMCL', backbone=R18, mplp=mplp))
    if 't' in mplp:
        with pytest.raises(ValueError, match=r'mplp\.t must be in \(0, 1\)'):
            MPLP(t=mplp['t'])


@pytest.mark.parametrize('kwargs,key', [
    (dict(k1=5, k2=6), 'k2'), (dict(eps=0), 'eps'), (dict(eps=-0.1), 'eps'),
    (dict(min_samples=0), 'min_samples'), (dict(max_distance=0.5), 'max_distance'),
])
def test_clustering_hook_errors_name_its_config_key(kwargs, key):
    with pytest.raises(ValueError, match=re.escape(f"custom_hooks[type='ClusteringHook'].{key}")):
        ClusteringHook(extract_pipeline=[], **kwargs)


@pytest.mark.slow(4)
def test_unwritable_work_dir_fails_before_training(tiny_market, tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    work_dir = str(blocker / 'run')
    proc = run_tool('train.py', supervised_config(tmp_path, tiny_market, epochs=1),
                    '--work-dir', work_dir, check=False)
    assert proc.returncode == 1
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith(f'Cannot write to the work dir {work_dir} (Not a directory)')
    assert '--work-dir (config key work_dir)' in message
    assert 'Epoch(train)' not in proc.stdout + proc.stderr


def test_work_dir_check(tmp_path):
    assert check_writable_dir(str(tmp_path / 'new' / 'dir')) == str(tmp_path / 'new' / 'dir')
    assert os.listdir(tmp_path / 'new' / 'dir') == []  # the probe file is gone
    (tmp_path / 'file').write_text('')
    with pytest.raises(FileExistsError, match='Cannot write to the work dir'):
        check_writable_dir(str(tmp_path / 'file'))
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / 'locked'
        locked.mkdir(mode=0o500)
        with pytest.raises(PermissionError, match=re.escape(str(locked))):
            check_writable_dir(str(locked))


def test_truncated_checkpoint_names_the_file_and_the_fix(tmp_path):
    path = str(tmp_path / 'epoch_3.pth')
    torch.save(dict(state_dict=dict(w=torch.zeros(1000))), path)
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match=re.escape(f'Checkpoint {path} is incomplete or '
                                                      'corrupt')) as err:
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert '--resume' in str(err.value)
