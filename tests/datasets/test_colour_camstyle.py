import numpy as np
from PIL import Image

from mmcl_ice_plugin.datasets.colour_camstyle import (apply_colour_map,
                                                      camera_colour_statistics,
                                                      colour_transfer_maps)


def _gaussian_cameras(seed=0):
    rng = np.random.default_rng(seed)
    means = rng.uniform(80, 170, (3, 3))
    factors = rng.normal(0, 12, (3, 3, 3))
    covs = factors @ factors.transpose(0, 2, 1) + 20 * np.eye(3)
    return means, covs


def test_a_map_carries_one_cameras_colour_statistics_onto_anothers():
    means, covs = _gaussian_cameras()
    maps = colour_transfer_maps(means, covs).astype(np.float64)
    rng = np.random.default_rng(1)
    for s in range(3):
        pixels = rng.multivariate_normal(means[s], covs[s], 50_000)
        for d in range(3):
            mapped = pixels @ maps[s, d, :, :3].T + maps[s, d, :, 3]
            assert np.allclose(mapped.mean(0), means[d], atol=0.6)
            assert np.allclose(np.cov(mapped, rowvar=False), covs[d], rtol=0.05, atol=4)


def test_maps_are_identities_on_the_diagonal_and_invert_each_other():
    means, covs = _gaussian_cameras(2)
    maps = colour_transfer_maps(means, covs).astype(np.float64)
    homogeneous = np.concatenate([maps, np.tile([0, 0, 0, 1.0], (3, 3, 1, 1))], axis=2)
    for s in range(3):
        assert np.allclose(homogeneous[s, s], np.eye(4), atol=1e-6)
        for d in range(3):
            assert np.allclose(homogeneous[d, s] @ homogeneous[s, d], np.eye(4), atol=1e-3)


def test_a_white_balance_difference_is_undone_exactly():
    # two cameras that see the same scenes, one with per-channel gains: for covariances that
    # are diagonal, the map is those gains (hand-computable case)
    gains = np.array([1.3, 1.0, 0.7])
    means = np.array([[100.0, 110.0, 120.0], [130.0, 110.0, 84.0]])
    variances = np.array([400.0, 300.0, 200.0])
    covs = np.stack([np.diag(variances), np.diag(variances * gains ** 2)])
    maps = colour_transfer_maps(means, covs)
    assert np.allclose(maps[0, 1, :, :3], np.diag(gains), atol=1e-3)
    assert np.allclose(maps[0, 1, :, 3], means[1] - gains * means[0], atol=0.05)
    img = np.full((4, 2, 3), [100, 110, 120], np.uint8)
    assert (apply_colour_map(img, maps[0, 1]) == [130, 110, 84]).all()
    assert apply_colour_map(np.full((1, 1, 3), 250, np.uint8), maps[0, 1]).max() == 255


def test_statistics_from_image_files(tmp_path):
    rng = np.random.default_rng(3)
    paths, camids = [], []
    for i in range(6):
        cam = i % 2
        img = rng.integers(0, 256, (16, 8, 3)).astype(np.uint8)
        if cam == 1:
            img[..., 2] //= 2
        path = str(tmp_path / f'{i}.png')
        Image.fromarray(img).save(path)
        paths.append(path)
        camids.append(cam)
    camids = np.array(camids)
    means, covs = camera_colour_statistics(paths, camids, num_cams=3, per_camera=2)
    for cam in (0, 1):
        picked = [paths[i] for i in np.flatnonzero(camids == cam)[[0, 2]]]
        pixels = np.concatenate([np.asarray(Image.open(p), np.float64).reshape(-1, 3)
                                 for p in picked])
        assert np.allclose(means[cam], pixels.mean(0))
        assert np.allclose(covs[cam], np.cov(pixels, rowvar=False))
    assert means[0, 2] > 1.5 * means[1, 2]
    # a camera without training images gets the pooled statistics of the others
    assert np.allclose(means[2], means[:2].mean(0))
    assert np.all(np.linalg.eigvalsh(covs[2]) > 0)
