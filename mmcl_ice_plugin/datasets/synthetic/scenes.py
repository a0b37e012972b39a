"""What is behind and in front of the person: a camera's wide scene, the walk's patch of it,
clutter and occluders.

Backgrounds differ between people in one camera: every camera has a wide scene (wall segments,
doors, windows, pillars, floor) and every walk sits at its own place and zoom in it.
"""
from functools import lru_cache

import cv2
import numpy as np

from .keys import TAG_SCENE
from .shapes import box, grid

SCENE_CROPS = 16  # a camera's scene is this many crops wide ...
SCENE_TALL = 1.5  # ... and this many crops tall


def muted(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` colours of buildings and objects: random hues, mostly close to grey.

    Args:
        rng (np.random.Generator): The random stream to draw from.
        n (int): Number of colours.

    Returns:
        np.ndarray: float32 RGB colours ``(n, 3)``.
    """
    grey = rng.uniform(45, 215, (n, 1))
    return (grey + rng.uniform(0.15, 0.55, (n, 1)) * (rng.uniform(30, 230, (n, 3)) - grey)
            ).astype(np.float32)


@lru_cache(maxsize=64)
def scene(style_seed: int, cam: int, h: int, w: int) -> np.ndarray:
    """A camera's wide scene, ``SCENE_CROPS`` crops wide and ``SCENE_TALL`` crops tall.

    Wall segments of the camera's tones and textures with doors, windows, pillars and signs, a
    tiled floor and smooth shading. Walks sit at different places of it.

    Args:
        style_seed (int): The domain.
        cam (int): Camera, 1-based.
        h (int): Crop (drawing) height in pixels.
        w (int): Crop (drawing) width in pixels.

    Returns:
        np.ndarray: float32 RGB scene, cached: never modify it.
    """
    rng = np.random.default_rng([style_seed, TAG_SCENE, cam])
    sh, sw = round(h * SCENE_TALL), w * SCENE_CROPS
    rows, cols = grid(sh, sw)
    rows, cols = rows / h, cols / h  # in image heights
    n_seg = int(rng.integers(5, 10))
    segment = np.searchsorted(np.sort(rng.uniform(0, sw / h, n_seg - 1)), cols[0])
    tone = muted(rng, 1)
    mix = rng.uniform(0.4, 0.8, (n_seg, 1))
    colours = (tone * (1 - mix) + muted(rng, n_seg) * mix).astype(np.float32)
    period = rng.uniform(0.06, 0.35, n_seg)[segment]
    texture = rng.integers(4, size=n_seg)[segment]
    vertical = (cols / period) % 1.0 < 0.5
    bands = (rows / period * 2) % 1.0 < 0.5
    bricks = bands ^ (((cols / period) + 0.5 * np.floor(rows / period * 2)) % 1.0 < 0.5)
    pick = np.where(texture == 1, vertical, np.where(texture == 2, bands,
                                                     np.where(texture == 3, bricks, False)))
    wall = colours[segment][None] * np.where(pick, rng.uniform(0.8, 1.2, n_seg)[segment],
                                             1.0)[..., None].astype(np.float32)
    horizon = rng.uniform(0.8, 1.2) + rng.normal(0, 0.04, n_seg)[segment]
    floor = muted(rng, 1)[0]
    depth = np.maximum(rows - horizon, 0)
    tiles = ((depth / (depth + 0.15) * 6) % 1.0 < 0.12) | ((cols / 0.5) % 1.0 < 0.04)
    floor_img = floor * np.where(tiles, 0.85, 1.0)[..., None].astype(np.float32)
    img = np.where((rows < horizon)[..., None], wall, floor_img).astype(np.float32)
    for _ in range(int(rng.integers(3 * SCENE_CROPS // 2, 3 * SCENE_CROPS))):
        x0 = rng.uniform(0, sw / h)
        x1 = x0 + rng.uniform(0.05, 0.5)
        y0, y1 = np.sort(rng.uniform(0.05, 1.1, 2))
        img[box(cols, rows, x0, x1, y0, y1)] = muted(rng, 1)[0]
    blotches = cv2.resize(rng.normal(0, 1, (6, 4 * SCENE_CROPS)).astype(np.float32), (sw, sh),
                          interpolation=cv2.INTER_CUBIC)
    img *= (1 + 0.12 * blotches)[..., None]
    return np.clip(img, 0, 255).astype(np.float32)


def background(wide: np.ndarray, window: tuple[float, float, float], shift: float,
               draw_h: int, draw_w: int) -> np.ndarray:
    """The walk's patch of the camera's scene, zoomed to the image size.

    Args:
        wide (np.ndarray): The camera's scene, from :func:`scene`.
        window (tuple[float, float, float]): Left and top of the crop (fractions of the free
            room) and its zoom (crop height / image height).
        shift (float): How far the scene has moved, in crop widths.
        draw_h (int): Image height in pixels.
        draw_w (int): Image width in pixels.

    Returns:
        np.ndarray: float32 RGB image ``(draw_h, draw_w, 3)``, a new array.
    """
    left, top, zoom = window
    crop_h = min(wide.shape[0], round(draw_h * zoom))
    crop_w = round(draw_w * zoom)
    x0 = int(np.clip(left * (wide.shape[1] - crop_w) + shift * crop_w, 0,
                     wide.shape[1] - crop_w))
    y0 = int(top * (wide.shape[0] - crop_h))
    return cv2.resize(wide[y0:y0 + crop_h, x0:x0 + crop_w], (draw_w, draw_h),
                      interpolation=cv2.INTER_LINEAR)


def draw_clutter(img: np.ndarray, clutter: tuple, shift: float) -> None:
    """Paint the objects of the walk's place behind the person, in place: boxes (bins, benches,
    signs) and poles, moving with the scene.

    Args:
        img (np.ndarray): float32 RGB image ``(h, w, 3)``.
        clutter (tuple): ``(kind, x, bottom, width, height, colour)`` per object, as
            :func:`~.walks.make_walk` draws them.
        shift (float): How far the scene has moved, in image widths.
    """
    h, w, _ = img.shape
    for kind, x, bottom, size_w, size_h, colour in clutter:
        cx = (x - shift) * w
        half = max(1.0, size_w * w / (2 if kind == 0 else 6))
        x0, x1 = int(max(0, cx - half)), int(min(w, cx + half))
        y1 = int(bottom * h)
        y0 = int(y1 - size_h * h) if kind == 0 else 0
        if x1 > x0 and y1 > max(y0, 0):
            shade = np.linspace(1.1, 0.8, y1 - max(y0, 0), dtype=np.float32)[:, None, None]
            img[max(y0, 0):y1, x0:x1] = np.asarray(colour, np.float32) * shade


def occlude(img: np.ndarray, occluder: tuple, shift: float) -> None:
    """Cover part of the person for the whole walk, in place: an object at the bottom, a
    passer-by close to the camera at a side, or a pole (objects of the scene move with it).

    Args:
        img (np.ndarray): float32 RGB image ``(h, w, 3)``.
        occluder (tuple): ``(kind, a, b, c, colour)``, as :func:`~.walks.make_walk` draws it.
        shift (float): How far the scene has moved, in image widths.
    """
    h, w, _ = img.shape
    kind, a, b, c, colour = occluder
    colour = np.asarray(colour, np.float32)
    if kind == 0:
        y0 = int(h * (0.62 + 0.23 * a))
        x0, x1 = sorted((int((b - shift) * w), int((c - shift) * w)))
        x0, x1 = (0, w) if x1 - x0 < w // 3 else (max(0, x0), min(w, x1))
        img[y0:, x0:x1] = colour * np.linspace(1.1, 0.7, h - y0, dtype=np.float32)[:, None, None]
    elif kind == 1:
        width = int(w * (0.18 + 0.22 * a))
        x0 = 0 if b < 0.5 else w - width
        img[int(h * (0.1 + 0.4 * c)):, x0:x0 + width] = colour
    else:
        width = max(2, int(w * (0.05 + 0.07 * b)))
        x0 = int(w * (0.25 + 0.5 * a - shift))
        img[:, max(0, x0):max(0, x0 + width)] = colour * np.float32(0.5)
