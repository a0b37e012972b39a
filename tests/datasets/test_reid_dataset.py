import glob
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from mmcl_ice_plugin.datasets import ReIDDataset, UnreadableImageError, read_image
from mmcl_ice_plugin.datasets.colour_camstyle import apply_colour_map

TEST_PIPELINE = [dict(type='Resize', size=(64, 32)), dict(type='ToTensor')]


def test_splits_sorted_with_ids_and_cameras(tiny_market):
    train = ReIDDataset(tiny_market, split='train')
    assert train.img_paths == sorted(train.img_paths)
    assert all('bounding_box_train' in p for p in train.img_paths)
    # torchreid relabels training identities to 0..K-1 and cameras to 0-based ids
    assert sorted(np.unique(train.pids)) == list(range(train.num_pids))
    assert train.camids.min() >= 0 and train.camids.max() <= 5
    names = [osp.basename(p) for p in train.img_paths]
    assert [int(n.split('_')[1][1]) - 1 for n in names] == train.camids.tolist()

    qg = ReIDDataset(tiny_market, split='query+gallery')
    query = ReIDDataset(tiny_market, split='query')
    gallery = ReIDDataset(tiny_market, split='gallery')
    assert len(qg) == len(query) + len(gallery)
    assert qg.is_query.sum() == len(query) and qg.is_query[:len(query)].all()
    assert qg.img_paths == query.img_paths + gallery.img_paths
    assert query.pids.tolist() == [int(osp.basename(p)[:4]) for p in query.img_paths]


def test_item_format(tiny_market):
    ds = ReIDDataset(tiny_market, split='query+gallery', pipeline=TEST_PIPELINE)
    item = ds[3]
    assert set(item) == {'img', 'index', 'pid', 'camid', 'is_query'}
    assert item['index'] == 3 and item['pid'] == ds.pids[3] and item['camid'] == ds.camids[3]
    assert isinstance(item['img'], torch.Tensor) and item['img'].shape == (3, 64, 32)


def test_torchreid_name_with_torchreid_layout(tiny_market, tmp_path):
    nested = tmp_path / 'market1501' / 'Market-1501-v15.09.15'
    nested.parent.mkdir()
    os.symlink(tiny_market, nested)
    by_name = ReIDDataset(str(tmp_path), source='market1501', split='train')
    by_folder = ReIDDataset(tiny_market, source='folder', split='train')
    assert [osp.basename(p) for p in by_name.img_paths] == \
        [osp.basename(p) for p in by_folder.img_paths]
    assert by_name.pids.tolist() == by_folder.pids.tolist()


def test_missing_dataset_fails_at_once_with_layout(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        ReIDDataset(str(tmp_path), source='market1501')
    text = str(err.value)
    assert 'market1501' in text and 'bounding_box_train' in text and 'data_root' in text
    assert not (tmp_path / 'market1501').exists()  # no download attempt created it
    with pytest.raises(FileNotFoundError, match='bounding_box_train'):
        ReIDDataset(str(tmp_path / 'nowhere'), source='folder')


def test_unknown_source_and_split(tiny_market):
    with pytest.raises(KeyError, match='dataset.source'):
        ReIDDataset(tiny_market, source='market1502')
    with pytest.raises(ValueError, match='dataset.split'):
        ReIDDataset(tiny_market, split='val')


def test_corrupt_image_names_its_path(market_copy):
    ds = ReIDDataset(market_copy, split='train')
    victim = ds.img_paths[0]
    with open(victim, 'wb') as f:
        f.write(b'not a jpeg at all')
    with pytest.raises(UnreadableImageError, match=osp.basename(victim)):
        ds[0]
    truncated = ds.img_paths[1]
    data = open(truncated, 'rb').read()
    with open(truncated, 'wb') as f:
        f.write(data[:len(data) // 3])
    with pytest.raises(UnreadableImageError, match=osp.basename(truncated)):
        ds[1]


def test_grayscale_and_rgba_are_read_as_rgb(tmp_path):
    gray = tmp_path / 'g.png'
    Image.fromarray(np.zeros((8, 4), np.uint8)).save(gray)
    rgba = tmp_path / 'a.png'
    Image.fromarray(np.zeros((8, 4, 4), np.uint8)).save(rgba)
    assert read_image(str(gray)).mode == 'RGB'
    assert read_image(str(rgba)).mode == 'RGB'


def test_empty_split_is_a_clear_error(market_copy):
    for path in glob.glob(osp.join(market_copy, 'query', '*.jpg')):
        os.remove(path)
    with pytest.raises(ValueError, match='query holds no .jpg image'):
        ReIDDataset(market_copy, split='query')
    shutil.rmtree(osp.join(market_copy, 'query'))
    with pytest.raises(FileNotFoundError, match='query'):
        ReIDDataset(market_copy, split='train')


def test_camstyle_replaces_images_by_translated_copies(market_copy):
    train = ReIDDataset(market_copy, split='train')
    style_dir = osp.join(market_copy, 'bounding_box_train_camstyle')
    with pytest.raises(FileNotFoundError, match='bounding_box_train_camstyle'):
        ReIDDataset(market_copy, split='train', camstyle=True)
    os.makedirs(style_dir)
    num_cams = train.num_cams
    for path, cam in zip(train.img_paths[:3], train.camids[:3]):
        stem = osp.splitext(osp.basename(path))[0]
        for dst in range(1, num_cams + 1):
            if dst != cam + 1:
                shutil.copy(path, osp.join(style_dir, f'{stem}_fake_{cam + 1}to{dst}.jpg'))
    styled = ReIDDataset(market_copy, split='train', camstyle=True)
    paths = [styled.image_path(0) for _ in range(300)]
    replaced = [p for p in paths if '_fake_' in p]
    assert abs(len(replaced) / 300 - (num_cams - 1) / num_cams) < 0.1
    assert all(osp.exists(p) for p in paths)
    targets = {p.rsplit('to', 1)[1] for p in replaced}
    assert f'{train.camids[0] + 1}.jpg' not in targets and len(targets) == num_cams - 1
    assert styled[0]['pid'] == train.pids[0]


def test_colour_camstyle_shows_images_in_other_cameras_colours(market_copy):
    plain = ReIDDataset(market_copy, split='train')
    with pytest.raises(ValueError, match='dataset.camstyle'):
        ReIDDataset(market_copy, split='train', camstyle='cyclegan')
    with pytest.raises(ValueError, match='train split'):
        ReIDDataset(market_copy, split='query', camstyle='colour')
    with pytest.raises(ValueError, match='dataset.camstyle_prob'):
        ReIDDataset(market_copy, split='train', camstyle='colour', camstyle_prob=2.0)
    never = ReIDDataset(market_copy, split='train', camstyle='colour', camstyle_prob=0.0)
    always = ReIDDataset(market_copy, split='train', camstyle='colour', camstyle_prob=1.0)
    assert never.camstyle_prob == 0.0
    default = ReIDDataset(market_copy, split='train', camstyle='colour')
    assert default.camstyle_prob == (plain.num_cams - 1) / plain.num_cams
    original = np.asarray(read_image(plain.img_paths[0]))
    assert np.array_equal(np.asarray(plain.load_image(0)), original)
    assert np.array_equal(np.asarray(never.load_image(0)), original)
    src = int(plain.camids[0])
    outputs = [np.asarray(always.load_image(0)) for _ in range(40)]
    candidates = {dst: apply_colour_map(original, always.colour_maps[src, dst])
                  for dst in range(plain.num_cams) if dst != src}
    matched = [[dst for dst, img in candidates.items() if np.array_equal(img, out)]
               for out in outputs]
    assert all(m for m in matched)  # each output is the image in some other camera's colours
    assert len({m[0] for m in matched}) > 1
    assert always[0]['camid'] == src and always[0]['pid'] == plain.pids[0]
