"""Per-camera habits: white balance, exposure, contrast, saturation, a lighting gradient, blur,
the sensor's resolution, noise, JPEG quality and viewpoints.

The effects are moderate, like those of real cameras; ``camera_strength`` scales the colour
ones (0: neutral cameras, that only scenes, blur, resolution and noise tell apart).
"""
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .keys import TAG_CAMERA
from .shapes import grid

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class Camera:
    """The habits of one camera."""
    gain: np.ndarray  # per-channel white balance
    saturation: float
    contrast: float
    brightness: float
    light: tuple[float, float]  # horizontal and vertical lighting gradient
    blur: float  # Gaussian sigma in pixels at a height of 128
    resolution: float  # the sensor's effective resolution, as a fraction of the crop's
    noise: float
    quality: int
    view_p: np.ndarray  # P(front, back, side)
    occlusion_p: float
    neighbour_p: float  # P(another person partly in view) per walk


@lru_cache(maxsize=64)
def camera(style_seed: int, cam: int, strength: float) -> Camera:
    """Draw the habits of camera ``cam`` of the domain ``style_seed``.

    Args:
        style_seed (int): The domain.
        cam (int): Camera, 1-based.
        strength (float): Scale of the white balance, saturation, contrast, exposure and
            lighting departures from neutral.
    """
    rng = np.random.default_rng([style_seed, TAG_CAMERA, cam])
    return Camera(
        gain=np.exp(strength * rng.normal(0, 0.09, 3)).astype(np.float32),
        saturation=float(rng.uniform(0.7, 1.1) ** strength),
        contrast=float(rng.uniform(0.8, 1.15) ** strength),
        brightness=float(strength * rng.uniform(-20, 20)),
        light=(float(strength * rng.uniform(-0.2, 0.2)),
               float(strength * rng.uniform(-0.2, 0.2))),
        blur=float(rng.uniform(0.3, 1.0)),
        resolution=float(rng.uniform(0.5, 1.0)),
        noise=float(rng.uniform(2, 5)),
        quality=int(rng.integers(70, 96)),
        view_p=rng.dirichlet([1.5, 1.5, 1.0]),
        occlusion_p=float(rng.uniform(0.1, 0.3)),
        neighbour_p=float(rng.uniform(0.15, 0.35)),
    )


def photometrics(img: np.ndarray, cam: Camera, light: float, rng: np.random.Generator,
                 height: int, width: int) -> np.ndarray:
    """Apply lighting (the camera's gradient, the walk's exposure), saturation, white balance,
    contrast, blur, the sensor's resolution and noise, then resize to the final size.

    Args:
        img (np.ndarray): float32 RGB image at the drawing size; it may be modified.
        cam (Camera): The camera.
        light (float): Exposure of the walk's place and moment.
        rng (np.random.Generator): The image's random stream (gain jitter, blur, noise).
        height (int): Final height in pixels.
        width (int): Final width in pixels.

    Returns:
        np.ndarray: uint8 RGB image ``(height, width, 3)``.
    """
    h, w, _ = img.shape
    rows, cols = grid(h, w)
    gx, gy = cam.light
    img *= (np.float32(light) * (1 + np.float32(gx) * (cols / w - 0.5) +
                                 np.float32(gy) * (rows / h - 0.5)))[..., None]
    luma = img @ _LUMA
    img = luma[..., None] + np.float32(cam.saturation) * (img - luma[..., None])
    gain = cam.gain * np.exp(rng.normal(0, 0.03, 3)).astype(np.float32)
    img = (img * gain - 128) * np.float32(cam.contrast) + np.float32(128 + cam.brightness)
    img = cv2.GaussianBlur(img, (0, 0), cam.blur * h / 128 * rng.uniform(0.8, 1.2))
    if cam.resolution < 0.98:
        small = cv2.resize(img, (max(4, round(w * cam.resolution)),
                                 max(8, round(h * cam.resolution))),
                           interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    img += rng.standard_normal(img.shape, np.float32) * np.float32(cam.noise)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if (h, w) != (height, width):
        out = cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR)
    return out
