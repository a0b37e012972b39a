"""Tests of the re-ID image transforms and the pipeline builder (datasets.transforms)."""
import json
import pickle
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import DefaultScope
from PIL import Image, ImageFilter
from torchreid.reid.data import transforms as torchreid_transforms
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F

from mmcl_ice_plugin.datasets import transforms as tr
from mmcl_ice_plugin.registry import TRANSFORMS

MEAN = torch.tensor(tr.IMAGENET_MEAN).view(3, 1, 1)
STD = torch.tensor(tr.IMAGENET_STD).view(3, 1, 1)
ANY_SIZES = [(1, 1), (5, 300), (300, 5), (64, 128), (250, 500)]  # (width, height)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def noise_image(width: int = 64, height: int = 128, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), 'RGB')


def erased_box(before: torch.Tensor, after: torch.Tensor):
    """(top, left, h, w) of the changed region, asserting it is one full rectangle."""
    changed = (before != after).any(0)
    rows = torch.nonzero(changed.any(1)).flatten()
    cols = torch.nonzero(changed.any(0)).flatten()
    if rows.numel() == 0:
        return None
    top, left = int(rows[0]), int(cols[0])
    h, w = int(rows[-1]) - top + 1, int(cols[-1]) - left + 1
    assert int(changed.sum()) == h * w
    return top, left, h, w


# --------------------------------------------------------------------------- torchreid short form


@pytest.mark.parametrize('names', [[name] for name in tr.TORCHREID_TRANSFORM_NAMES] +
                         [list(tr.TORCHREID_TRANSFORM_NAMES), [], None, 'random_flip'])
@pytest.mark.parametrize('size', [(37, 91), (200, 300)])
def test_torchreid_names_give_normalised_tensor(names, size):
    pipeline = tr.build_pipeline(names, height=256, width=128)
    out = pipeline(noise_image(*size))
    assert isinstance(out, torch.Tensor)
    assert out.dtype == torch.float32 and out.shape == (3, 256, 128)
    assert out.min() >= ((0 - MEAN) / STD).min() - 1e-5
    assert out.max() <= ((1 - MEAN) / STD).max() + 1e-5


@pytest.mark.parametrize('names', [['random_flip'], ['random_flip', 'random_crop']])
def test_torchreid_names_normalise_with_given_statistics(names):
    colour = (200, 30, 90)
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    img = Image.new('RGB', (50, 170), colour)
    out = tr.build_pipeline(names, height=64, width=32, norm_mean=mean, norm_std=std)(img)
    expected = (torch.tensor(colour) / 255 - torch.tensor(mean)) / torch.tensor(std)
    assert out.shape == (3, 64, 32)
    torch.testing.assert_close(out, expected.view(3, 1, 1).expand(3, 64, 32), atol=1e-5,
                               rtol=0)


@pytest.mark.parametrize('names', [['random_flip', 'random_crop', 'random_erase'],
                                   list(tr.TORCHREID_TRANSFORM_NAMES)])
def test_short_form_matches_torchreid_build_transforms(names):
    reference, _ = torchreid_transforms.build_transforms(256, 128, transforms=names)
    ours = tr.build_pipeline(names)
    as_dict = tr.build_pipeline(dict(type='TorchreidTransforms', transforms=names[::-1],
                                     height=256, width=128))
    for seed in range(8):
        img = noise_image(*((64, 128) if seed % 2 else (90, 170)), seed=seed)
        seed_all(seed)
        expected = reference(img.copy())
        seed_all(seed)
        got = ours(img)
        seed_all(seed)
        got_dict = as_dict(img)
        assert torch.equal(got, expected)
        assert torch.equal(got_dict, expected)


def test_torchreid_cfg_order_and_parameters():
    cfg = tr.torchreid_transforms_cfg(['random_erase', 'COLOR_JITTER', 'random_flip'], 384, 192,
                                      norm_mean=(0.5, 0.5, 0.5), norm_std=(0.5, 0.5, 0.5))
    assert [c['type'] for c in cfg] == ['Resize', 'RandomHorizontalFlip', 'ColorJitter',
                                        'ToTensor', 'Normalize', 'RandomErasing']
    assert cfg[0]['size'] == (384, 192)
    assert cfg[2] == dict(type='ColorJitter', brightness=0.2, contrast=0.15, saturation=0, hue=0)
    assert cfg[5] == dict(type='RandomErasing', probability=0.5, sl=0.02, sh=0.4, r1=0.3,
                          mean=[0.5, 0.5, 0.5])
    crop = tr.torchreid_transforms_cfg(['random_crop'], 384, 192)[1]
    assert crop == dict(type='Random2DTranslation', height=384, width=192, p=0.5)


def test_bad_pipeline_configs_are_refused():
    with pytest.raises(ValueError, match='random_flips'):
        tr.build_pipeline(['random_flips'])
    with pytest.raises(ValueError, match='mixes'):
        tr.build_pipeline(['random_flip', dict(type='ToTensor')])
    with pytest.raises(KeyError, match='RandomFlip'):
        tr.build_pipeline([dict(type='RandomFlip')])  # mmcv's dict-based flip
    with pytest.raises(TypeError):
        tr.build_pipeline([dict(type='RandomApply', transforms=[], prob=0.5)])
    with pytest.raises(ValueError, match='0-255'):
        tr.build_pipeline([dict(type='Normalize', mean=[123.675, 116.28, 103.53],
                                std=[58.395, 57.12, 57.375])])


# --------------------------------------------------------------------------- registry and scope


def test_registry_gives_our_resize_in_our_scope():
    import mmcv.transforms  # noqa: F401  (registers mmcv's dict-based Resize in the root)

    cfg = dict(type='Resize', size=(256, 128))
    assert isinstance(TRANSFORMS.build(cfg), tr.Resize)
    with DefaultScope.overwrite_default_scope('mmcl_ice_plugin'):
        assert isinstance(MMENGINE_TRANSFORMS.build(cfg), tr.Resize)
        assert isinstance(TRANSFORMS.build(cfg), tr.Resize)
    assert not issubclass(MMENGINE_TRANSFORMS.get('Resize'), tr.Resize)
    with DefaultScope.overwrite_default_scope('mmengine'):
        assert isinstance(tr.build_transform(cfg), tr.Resize)
        assert isinstance(tr.build_pipeline([cfg]).transforms[0], tr.Resize)
    assert tr.build_transform(dict(type='Resize', size=8, interpolation=3)).interpolation == \
        InterpolationMode.BICUBIC


def test_interpolation_names():
    assert tr.to_interpolation_mode('BICUBIC') is InterpolationMode.BICUBIC
    assert tr.to_interpolation_mode(3) is InterpolationMode.BICUBIC
    assert tr.to_pil_resample('bilinear') == Image.BILINEAR
    with pytest.raises(ValueError):
        tr.to_interpolation_mode('cubic')


# --------------------------------------------------------------------------- random erasing


def test_random_erasing_matches_torchreid():
    reference = torchreid_transforms.RandomErasing(mean=list(tr.IMAGENET_MEAN))
    ours = tr.RandomErasing()
    for seed in range(30):
        img = torch.randn(3, 256, 128)
        seed_all(seed)
        expected = reference(img.clone())
        seed_all(seed)
        assert torch.equal(ours(img), expected)


@pytest.mark.parametrize('cfg', [
    dict(probability=1.0, sl=0.02, sh=0.4, r1=0.3),  # ICE
    dict(probability=1.0, sl=0.02, sh=0.2, r1=0.3, r2=3.0, strict_fit=False),  # MMCL
])
def test_random_erasing_fills_with_mean_within_bounds(cfg):
    erase = tr.RandomErasing(**cfg)
    r2 = cfg.get('r2', 1 / cfg['r1'])
    height, width = 256, 128
    img = torch.randn(3, height, width)
    for seed in range(10):
        seed_all(seed)
        params = erase.get_params(img)
        seed_all(seed)
        out = erase(img)
        top, left, h, w = erased_box(img, out)
        assert (top, left, h, w) == params
        region = out[:, top:top + h, left:left + w]
        assert torch.equal(region, MEAN.expand_as(region))
    fractions, aspects = [], []
    for _ in range(1000):
        top, left, h, w = erase.get_params(img)
        assert 0 <= top and top + h <= height and 0 <= left and left + w <= width
        # h and w are the rounded sides of a rectangle whose area and aspect lie in the ranges
        area = height * width
        assert (h - 0.5) * (w - 0.5) <= cfg['sh'] * area
        assert (h + 0.5) * (w + 0.5) >= cfg['sl'] * area
        assert (h - 0.5) / (w + 0.5) <= r2 and (h + 0.5) / (w - 0.5) >= cfg['r1']
        fractions.append(h * w / area)
        aspects.append(h / w)
    assert min(fractions) < cfg['sl'] + 0.02 and max(fractions) > cfg['sh'] - 0.02
    assert min(aspects) < cfg['r1'] + 0.1 and max(aspects) > r2 - 0.3


def test_random_erasing_probability_and_fit_rule():
    img = torch.randn(3, 64, 32)
    assert erased_box(img, tr.RandomErasing(probability=0.0)(img)) is None
    seed_all(1)
    half = tr.RandomErasing(probability=0.5)
    hits = sum(erased_box(img, half(img)) is not None for _ in range(400))
    assert 150 < hits < 250
    whole = torch.randn(1, 10, 10)
    full = dict(probability=1.0, sl=1.0, sh=1.0, r1=1.0)
    assert torch.equal(tr.RandomErasing(**full)(whole), whole)  # strictly smaller only
    out = tr.RandomErasing(**full, strict_fit=False, mean=(0.7,))(whole)
    assert torch.equal(out, torch.full_like(whole, 0.7))
    with pytest.raises(TypeError, match='ToTensor'):
        tr.RandomErasing()(Image.new('RGB', (8, 8)))


# --------------------------------------------------------------------------- crops


def test_random_sized_rect_crop_statistics():
    crop = tr.RandomSizedRectCrop(256, 128)
    seed_all(0)
    for width, height in [(64, 128), (200, 400), (100, 400)]:
        img = noise_image(width, height)
        fractions, aspects, fallbacks = [], [], 0
        for _ in range(400):
            params = crop.get_params(img)
            if params is None:
                fallbacks += 1
                continue
            top, left, h, w = params
            assert 0 <= top and top + h <= height and 0 <= left and left + w <= width
            area = width * height
            assert (h - 0.5) * (w - 0.5) <= 1.0 * area
            assert (h + 0.5) * (w + 0.5) >= 0.64 * area
            assert (h - 0.5) / (w + 0.5) <= 3.0 and (h + 0.5) / (w - 0.5) >= 2.0
            fractions.append(h * w / area)
            aspects.append(h / w)
        if height == 2 * width:  # Market's shape: few fallbacks, the whole range is reachable
            assert fallbacks < 10
            assert min(fractions) < 0.68 and max(fractions) > 0.85
            assert min(aspects) < 2.1 and max(aspects) > 2.4
        else:  # 4:1 images only admit crops of area <= 0.25 * aspect (w <= W)
            assert 0 < fallbacks < 250 and max(fractions) <= 0.75 + 0.01


def test_random_sized_rect_crop_output_and_fallback():
    crop = tr.RandomSizedRectCrop(256, 128)
    for size in ANY_SIZES:
        assert crop(noise_image(*size)).size == (128, 256)
    wide = noise_image(1000, 10)
    assert crop.get_params(wide) is None  # no tall crop fits: plain resize, as MMCL does
    expected = wide.resize((128, 256), Image.BILINEAR)
    assert np.array_equal(np.asarray(crop(wide)), np.asarray(expected))
    exact = noise_image(128, 256)
    assert tr.RandomSizedRectCrop(256, 128, max_attempts=0)(exact) is exact
    seed_all(3)
    params = crop.get_params(exact)
    seed_all(3)
    top, left, h, w = params
    manual = exact.crop((left, top, left + w, top + h)).resize((128, 256), Image.BILINEAR)
    assert np.array_equal(np.asarray(crop(exact)), np.asarray(manual))


def test_random_2d_translation_and_patch_match_torchreid():
    ours = tr.Random2DTranslation(256, 128)
    reference = torchreid_transforms.Random2DTranslation(256, 128)
    patch_cfg = dict(prob_happen=1.0, min_sample_size=1)
    our_patch = tr.RandomPatch(**patch_cfg)
    ref_patch = torchreid_transforms.RandomPatch(**patch_cfg)
    for seed in range(8):
        img = noise_image(64, 128, seed)
        seed_all(seed)
        expected = reference(img)
        seed_all(seed)
        assert np.array_equal(np.asarray(ours(img)), np.asarray(expected))
        seed_all(seed)
        expected = ref_patch(img.copy())
        seed_all(seed)
        got = our_patch(img)
        assert np.array_equal(np.asarray(got), np.asarray(expected))
    assert np.array_equal(np.asarray(img), np.asarray(noise_image(64, 128, 7)))  # not in place


def test_color_augmentation_and_blur():
    img = torch.rand(3, 16, 8)
    out = tr.build_transform(dict(type='ColorAugmentation', p=1.0))(img)
    offset = out - img
    assert not torch.equal(out, img)
    assert torch.allclose(offset, offset[:, :1, :1].expand_as(offset))  # one offset per channel
    pil = noise_image(32, 64)
    blur = tr.GaussianBlur(sigma=(0.1, 2.0))
    seed_all(5)
    sigma = random.uniform(0.1, 2.0)
    seed_all(5)
    expected = pil.filter(ImageFilter.GaussianBlur(radius=sigma))
    assert np.array_equal(np.asarray(blur(pil)), np.asarray(expected))
    assert tr.GaussianBlur(kernel_size=5)(img).shape == img.shape
    with pytest.raises(TypeError, match='kernel_size'):
        blur(img)
    never = tr.build_transform(dict(type='RandomApply', transforms=[dict(type='GaussianBlur')],
                                    p=0.0))
    always = tr.build_transform(dict(type='RandomApply', transforms=dict(type='GaussianBlur'),
                                     p=1.0))
    assert never(pil) is pil
    assert not np.array_equal(np.asarray(always(pil)), np.asarray(pil))


# --------------------------------------------------------------------------- presets and views


def test_presets_follow_the_reference_codes():
    mmcl = {c['type']: c for c in tr.MMCL_TRAIN_PIPELINE}
    assert [c['type'] for c in tr.MMCL_TRAIN_PIPELINE] == [
        'RandomSizedRectCrop', 'RandomHorizontalFlip', 'RandomRotation', 'ColorJitter',
        'ToTensor', 'Normalize', 'RandomErasing']
    assert mmcl['RandomSizedRectCrop']['area_range'] == (0.64, 1.0)
    assert mmcl['RandomSizedRectCrop']['aspect_range'] == (2.0, 3.0)
    assert mmcl['RandomRotation']['degrees'] == 10
    assert (mmcl['ColorJitter']['brightness'], mmcl['ColorJitter']['contrast'],
            mmcl['ColorJitter']['saturation']) == (0.2, 0.2, 0.2)
    assert mmcl['RandomErasing']['probability'] == 0.5 and mmcl['RandomErasing']['sh'] == 0.2
    strong = {c['type']: c for c in tr.ICE_STRONG_PIPELINE}
    assert [c['type'] for c in tr.ICE_STRONG_PIPELINE] == [
        'Resize', 'Pad', 'RandomCrop', 'RandomHorizontalFlip', 'RandomApply', 'ToTensor',
        'Normalize', 'RandomErasing']
    assert strong['Resize']['interpolation'] == 'bicubic' and strong['Pad']['padding'] == 10
    assert strong['RandomApply'] == dict(
        type='RandomApply', transforms=[dict(type='GaussianBlur', sigma=(0.1, 2.0))], p=0.5)
    assert (strong['RandomErasing']['probability'], strong['RandomErasing']['sh']) == (0.6, 0.4)
    assert tr.ICE_WEAK_PIPELINE == tr.EVAL_PIPELINE
    assert tr.ICE_TRAIN_PIPELINE['views'] == [tr.ICE_STRONG_PIPELINE, tr.ICE_WEAK_PIPELINE,
                                              tr.ICE_STRONG_PIPELINE]


def test_presets_are_pure_configs(tmp_path):
    presets = dict(mmcl=tr.MMCL_TRAIN_PIPELINE, ice=tr.ICE_TRAIN_PIPELINE,
                   test=tr.EVAL_PIPELINE)
    json.dumps(presets)
    path = tmp_path / 'pipelines.py'
    Config(presets).dump(str(path))
    loaded = Config.fromfile(str(path))
    img = noise_image(64, 128)
    assert tr.build_pipeline(loaded.mmcl)(img).shape == (3, 256, 128)
    assert [v.shape for v in tr.build_pipeline(loaded.ice)(img)] == [(3, 256, 128)] * 3
    expected = tr.build_pipeline(tr.EVAL_PIPELINE)(img)
    assert torch.equal(tr.build_pipeline(loaded.test)(img), expected)
    before = json.dumps(presets)
    tr.build_pipeline(tr.ICE_TRAIN_PIPELINE, height=64, width=32)
    assert json.dumps(presets) == before  # building never modifies a config


def test_multi_view_gives_independent_views():
    pipeline = pickle.loads(pickle.dumps(tr.build_pipeline(tr.ICE_TRAIN_PIPELINE)))  # workers
    img = noise_image(64, 128)
    seed_all(0)
    first = pipeline(img)
    second = pipeline(img)
    assert isinstance(first, list) and len(first) == 3
    assert all(v.shape == (3, 256, 128) and v.dtype == torch.float32 for v in first)
    assert not torch.equal(first[0], first[2])
    assert not torch.equal(first[0], second[0])
    weak = tr.build_pipeline(tr.EVAL_PIPELINE)(img)
    assert torch.equal(first[1], weak) and torch.equal(second[1], weak)
    short = tr.build_pipeline(dict(type='MultiView', views=[['random_flip'], ['random_erase']]),
                              height=64, width=32)
    assert [v.shape for v in short(img)] == [(3, 64, 32)] * 2


def test_eval_pipeline_is_deterministic_and_exact():
    pipeline = tr.build_pipeline(tr.eval_pipeline(128, 64))
    img = noise_image(45, 133)
    seed_all(0)
    first = pipeline(img)
    seed_all(1)
    assert torch.equal(first, pipeline(img))
    resized = F.resize(img, [128, 64], InterpolationMode.BICUBIC)
    expected = (F.to_tensor(resized) - MEAN) / STD
    torch.testing.assert_close(first, expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize('size', ANY_SIZES)
def test_presets_accept_rgb_images_of_any_size(size):
    img = noise_image(*size)
    seed_all(0)
    for cfg in (tr.MMCL_TRAIN_PIPELINE, tr.EVAL_PIPELINE,
                list(tr.TORCHREID_TRANSFORM_NAMES)):
        assert tr.build_pipeline(cfg)(img).shape == (3, 256, 128)
    assert [v.shape for v in tr.build_pipeline(tr.ICE_TRAIN_PIPELINE)(img)] == [(3, 256, 128)] * 3
