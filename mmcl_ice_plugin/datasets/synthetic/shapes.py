"""Pixel grids, shape masks and painting, in the body coordinates people are drawn in.

The masks take ``u`` (horizontal) and ``v`` (vertical) coordinates of every pixel, arrays that
broadcast to the image's ``(h, w)``, and return a boolean mask of that shape.
"""
from functools import lru_cache
from typing import Optional

import numpy as np


@lru_cache(maxsize=16)
def grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre row ``(h, 1)`` and column ``(1, w)`` coordinates.

    Args:
        h (int): Image height in pixels.
        w (int): Image width in pixels.

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 rows and columns, cached: never modify them.
    """
    return (np.arange(h, dtype=np.float32)[:, None] + 0.5,
            np.arange(w, dtype=np.float32)[None, :] + 0.5)


def ellipse(u: np.ndarray, v: np.ndarray, cu: float, cv: float, ru: float,
            rv: float) -> np.ndarray:
    """Points inside the axis-aligned ellipse of centre ``(cu, cv)`` and radii ``(ru, rv)``.

    Args:
        u (np.ndarray): Horizontal coordinates.
        v (np.ndarray): Vertical coordinates.
        cu (float): Centre, horizontal.
        cv (float): Centre, vertical.
        ru (float): Horizontal radius.
        rv (float): Vertical radius.
    """
    return ((u - np.float32(cu)) / np.float32(ru)) ** 2 + (
        (v - np.float32(cv)) / np.float32(rv)) ** 2 <= 1.0


def box(u: np.ndarray, v: np.ndarray, u0: float, u1: float, v0: float, v1: float) -> np.ndarray:
    """Points in the rectangle ``[u0, u1] x [v0, v1]``.

    Args:
        u (np.ndarray): Horizontal coordinates.
        v (np.ndarray): Vertical coordinates.
        u0 (float): Left edge.
        u1 (float): Right edge.
        v0 (float): Top edge.
        v1 (float): Bottom edge.
    """
    return (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)


def trapezoid(u: np.ndarray, v: np.ndarray, v0: float, v1: float, half0: float,
              half1: float) -> np.ndarray:
    """Points in a trapezoid symmetric about the body axis ``u = 0``.

    Args:
        u (np.ndarray): Horizontal coordinates.
        v (np.ndarray): Vertical coordinates.
        v0 (float): Top edge.
        v1 (float): Bottom edge.
        half0 (float): Half-width at ``v0``.
        half1 (float): Half-width at ``v1``.
    """
    t = (v - np.float32(v0)) / np.float32(v1 - v0)
    return (np.abs(u) <= half0 + (half1 - half0) * t) & (t >= 0) & (t <= 1)


def capsule(u: np.ndarray, v: np.ndarray, a: tuple[float, float], b: tuple[float, float],
            radius: float) -> np.ndarray:
    """Points within ``radius`` of the segment ``a``-``b`` (limbs, straps).

    Args:
        u (np.ndarray): Horizontal coordinates.
        v (np.ndarray): Vertical coordinates.
        a (tuple[float, float]): One end ``(u, v)``.
        b (tuple[float, float]): The other end ``(u, v)``.
        radius (float): Distance from the segment.
    """
    du, dv = np.float32(b[0] - a[0]), np.float32(b[1] - a[1])
    pu, pv = u - np.float32(a[0]), v - np.float32(a[1])
    t = np.clip((pu * du + pv * dv) / (du * du + dv * dv), 0, 1)
    return (pu - t * du) ** 2 + (pv - t * dv) ** 2 <= np.float32(radius * radius)


def paint(img: np.ndarray, mask: np.ndarray, colour: Optional[np.ndarray],
          shade: float = 1.0) -> None:
    """Fill ``mask`` with a colour or a per-pixel colour field, or darken it, in place.

    Args:
        img (np.ndarray): float32 RGB image ``(h, w, 3)``.
        mask (np.ndarray): Boolean mask ``(h, w)``.
        colour (np.ndarray, optional): An RGB colour ``(3,)``, a colour field ``(h, w, 3)``,
            or None to darken the masked pixels.
        shade (float): Factor of the darkening when ``colour`` is None. Defaults to 1.0.
    """
    if colour is None:
        img[mask] *= np.float32(shade)
    elif colour.ndim == 3:
        img[mask] = colour[mask]
    else:
        img[mask] = colour
