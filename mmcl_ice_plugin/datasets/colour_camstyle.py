"""GAN-free CamStyle: an image rendered in another camera's colour statistics.

CamStyle (Zhong et al., "Camera Style Adaptation for Person Re-identification", CVPR 2018)
trains one CycleGAN per camera pair and shows each training image as every other camera would
have taken it, so that a model cannot tell people apart by the camera's look. Most of what
separates cameras in re-ID data is colour: white balance, exposure, contrast, saturation. A
linear colour transfer moves those without a GAN: with :math:`\\mu_c, \\Sigma_c` the mean and
covariance of the RGB pixels of camera :math:`c`'s training images, a pixel :math:`x` of an
image from camera :math:`s` becomes, in camera :math:`d`,

.. math::

    x' = \\mu_d + \\Sigma_d^{1/2} \\Sigma_s^{-1/2} (x - \\mu_s),

the affine map that carries one Gaussian colour distribution onto the other (Reinhard et al.,
"Color Transfer between Images", 2001, with the full covariance in place of per-channel
variances). Statistics come from at most ``per_camera`` images per camera, evenly spaced in
path order; no label is used.
"""
from typing import Sequence, Tuple

import numpy as np

from .image_io import read_image

_EPS = 1e-5  # ridge on each covariance, relative to its mean variance


def camera_colour_statistics(paths: Sequence[str], camids: np.ndarray, num_cams: int,
                             per_camera: int = 100) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the RGB pixels (0..255) of each camera's images.

    Args:
        paths (Sequence[str]): Image files.
        camids (np.ndarray): Camera of each file, 0-based.
        num_cams (int): Number of cameras.
        per_camera (int): Images read per camera at most, evenly spaced in ``paths`` order.
            Defaults to 100.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``means`` ``(num_cams, 3)`` and ``covs``
        ``(num_cams, 3, 3)``, float64. A camera without images gets the statistics of all
        cameras together.
    """
    means = np.zeros((num_cams, 3))
    covs = np.zeros((num_cams, 3, 3))
    seen = np.zeros(num_cams, dtype=bool)
    for cam in range(num_cams):
        members = np.flatnonzero(camids == cam)
        if members.size == 0:
            continue
        picked = members[np.unique(np.linspace(0, members.size - 1,
                                               min(per_camera, members.size)).astype(int))]
        pixels = np.concatenate([np.asarray(read_image(paths[i]), np.float64).reshape(-1, 3)
                                 for i in picked])
        means[cam] = pixels.mean(0)
        covs[cam] = np.cov(pixels, rowvar=False)
        seen[cam] = True
    if not seen.all():
        weights = np.bincount(camids, minlength=num_cams)[seen].astype(np.float64)
        weights /= weights.sum()
        pooled_mean = weights @ means[seen]
        centred = means[seen] - pooled_mean
        pooled_cov = (np.einsum('c,cij->ij', weights, covs[seen]) +
                      np.einsum('c,ci,cj->ij', weights, centred, centred))
        means[~seen] = pooled_mean
        covs[~seen] = pooled_cov
    return means, covs


def _sqrt_and_inverse_sqrt(covs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric square roots and inverse square roots of ``(C, 3, 3)`` covariances."""
    ridge = _EPS * np.trace(covs, axis1=1, axis2=2)[:, None, None] / 3 * np.eye(3)
    values, vectors = np.linalg.eigh(covs + ridge)
    values = np.maximum(values, 1e-12)
    sqrt = np.einsum('cij,cj,ckj->cik', vectors, np.sqrt(values), vectors)
    inv_sqrt = np.einsum('cij,cj,ckj->cik', vectors, 1 / np.sqrt(values), vectors)
    return sqrt, inv_sqrt


def colour_transfer_maps(means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """The affine colour maps between every pair of cameras.

    Args:
        means (np.ndarray): ``(C, 3)`` camera means.
        covs (np.ndarray): ``(C, 3, 3)`` camera covariances.

    Returns:
        np.ndarray: ``(C, C, 3, 4)`` float32: ``maps[s, d] = [A | b]`` with
        ``A = sqrt(cov_d) @ inv_sqrt(cov_s)`` and ``b = mean_d - A @ mean_s``, so that a pixel
        ``x`` of camera ``s`` becomes ``A @ x + b`` in camera ``d`` (the identity for s = d).
    """
    sqrt, inv_sqrt = _sqrt_and_inverse_sqrt(np.asarray(covs, np.float64))
    linear = np.einsum('dij,sjk->sdik', sqrt, inv_sqrt)
    offset = means[None, :, :] - np.einsum('sdij,sj->sdi', linear, means)
    num_cams = len(means)
    linear[np.arange(num_cams), np.arange(num_cams)] = np.eye(3)
    offset[np.arange(num_cams), np.arange(num_cams)] = 0
    return np.concatenate([linear, offset[..., None]], axis=-1).astype(np.float32)


def apply_colour_map(img: np.ndarray, colour_map: np.ndarray) -> np.ndarray:
    """Apply one ``(3, 4)`` affine colour map to a uint8 RGB image ``(H, W, 3)``.

    Returns:
        np.ndarray: The mapped uint8 image, clipped to 0..255.
    """
    out = img.astype(np.float32) @ colour_map[:, :3].T + colour_map[:, 3]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
