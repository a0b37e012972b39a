"""Drawing a person in body coordinates: legs, garments, arms, head, hair, hat and bag."""
import numpy as np

from .identities import Identity
from .shapes import box, capsule, ellipse, paint, trapezoid

FRONT, BACK, SIDE = 0, 1, 2  # viewpoints
_PLAIN, _STRIPES, _CHECKS, _TWO_TONE = 0, 1, 2, 3  # garment patterns
_TROUSERS, _SHORTS, _SKIRT = 0, 1, 2  # lower garments
_NO_BAG, _BACKPACK, _SHOULDER_BAG = 0, 1, 2


def draw_person(img: np.ndarray, u: np.ndarray, v: np.ndarray, ident: Identity, view: int,
                facing: int, phase: float, arm_out: float, head_u: float) -> None:
    """Paint a person into ``img``, in place.

    Args:
        img (np.ndarray): float32 RGB image ``(h, w, 3)``.
        u (np.ndarray): Horizontal body coordinate of every pixel, 0 on the body axis, in
            units of the person's height times the breadth.
        v (np.ndarray): Vertical body coordinate, 0 at the top of the head and 1 at the soles.
        ident (Identity): Who is drawn.
        view (int): ``FRONT``, ``BACK`` or ``SIDE``.
        facing (int): The walking direction in a side view, +1 or -1.
        phase (float): The gait in [-1, 1]: leg spread and arm swing.
        arm_out (float): How far the hands hang from the body.
        head_u (float): The head's horizontal offset.
    """
    if view == SIDE:
        u = u * facing
    side_sign = -1 if view == FRONT else 1  # image side of the person's right hand
    bw = ident.build * (0.68 if view == SIDE else 1.0)
    spread = (0.09 if view == SIDE else 0.03) * phase
    swing = (0.07 if view == SIDE else 0.02) * phase

    paint(img, ellipse(u, v, 0, 1.0, 0.17 * bw + abs(spread), 0.025), None, shade=0.6)
    upper = _pattern_field(u, v, ident.upper, ident.upper_pattern, ident.upper_period, 0.26)
    lower = _pattern_field(u, v, ident.lower, ident.lower_pattern, 0.05, 0.7)
    if ident.long_hair and view == FRONT:
        paint(img, ellipse(u, v, head_u, 0.13, 0.068, 0.11), ident.hair)
    if ident.bag_kind == _BACKPACK and view == SIDE:
        paint(img, box(u, v, -0.11 * bw - 0.08, -0.06 * bw, 0.17, 0.42), ident.bag)

    hip_half = 0.05 * bw
    for side in (-1, 1):
        hip = (side * hip_half, 0.52)
        ankle = (side * hip_half * 1.1 + side * spread, 0.94)
        if ident.lower_kind == _TROUSERS:
            paint(img, capsule(u, v, hip, ankle, 0.048 * bw), lower)
        else:
            paint(img, capsule(u, v, hip, ankle, 0.038 * bw), ident.skin * 0.92)
            if ident.lower_kind == _SHORTS:
                knee = (hip[0] + 0.45 * (ankle[0] - hip[0]), 0.52 + 0.45 * 0.42)
                paint(img, capsule(u, v, hip, knee, 0.05 * bw), lower)
        paint(img, ellipse(u, v, ankle[0] + (0.02 * facing if view == SIDE else 0), 0.965,
                           0.04 * bw + 0.008, 0.026), ident.shoes)
    if ident.lower_kind == _SKIRT:
        paint(img, trapezoid(u, v, 0.46, 0.74, 0.1 * bw, 0.15 * bw), lower)
    else:
        paint(img, box(u, v, -0.1 * bw, 0.1 * bw, 0.47, 0.57), lower)

    shoulder_half = 0.115 * bw
    arms = (-1, 1) if view != SIDE else (1,)
    if view != SIDE:
        _draw_arms(img, u, v, ident, bw, arms, shoulder_half, swing, arm_out, upper)
    torso = trapezoid(u, v, 0.17, 0.52, shoulder_half, 0.1 * bw) | ellipse(
        u, v, 0, 0.18, shoulder_half, 0.045)
    paint(img, torso, upper)
    if ident.bag_kind == _BACKPACK and view == BACK:
        paint(img, box(u, v, -0.08 * bw, 0.08 * bw, 0.17, 0.43), ident.bag)
    elif ident.bag_kind == _BACKPACK and view == FRONT:
        for side in (-1, 1):
            paint(img, box(u, v, side * 0.075 * bw - 0.014, side * 0.075 * bw + 0.014,
                           0.15, 0.4), ident.bag)
    if view == SIDE:
        _draw_arms(img, u, v, ident, bw, arms, 0.0, swing, arm_out, upper)

    paint(img, ellipse(u, v, head_u, 0.07, 0.05, 0.066), ident.skin)
    if view == BACK or (ident.long_hair and view == SIDE):
        paint(img, ellipse(u, v, head_u, 0.07, 0.054, 0.07), ident.hair)
        if ident.long_hair:
            paint(img, box(u, v, head_u - 0.055, head_u + 0.055, 0.07, 0.22), ident.hair)
    else:
        paint(img, ellipse(u, v, head_u, 0.055, 0.054, 0.058) & (v < 0.045 + 0.02 * (u < 0)),
              ident.hair)
    if ident.hat is not None:
        paint(img, ellipse(u, v, head_u, 0.035, 0.058, 0.04) & (v < 0.045), ident.hat)
        paint(img, box(u, v, head_u - 0.068, head_u + 0.068, 0.035, 0.048), ident.hat * 0.8)

    if ident.bag_kind == _SHOULDER_BAG:
        bag_u = ident.bag_side * side_sign * (0.125 * bw + 0.03)
        strap_top = (-ident.bag_side * side_sign * 0.08 * bw, 0.16)
        if view != SIDE or ident.bag_side * facing > 0:
            paint(img, capsule(u, v, strap_top, (bag_u, 0.47), 0.011), ident.bag * 0.85)
            paint(img, box(u, v, bag_u - 0.05, bag_u + 0.05, 0.45, 0.6), ident.bag)


def _draw_arms(img: np.ndarray, u: np.ndarray, v: np.ndarray, ident: Identity, bw: float,
               arms: tuple[int, ...], shoulder_half: float, swing: float, arm_out: float,
               upper: np.ndarray) -> None:
    """Paint the arms in ``arms`` (-1, +1: image sides), bare skin under the sleeves.

    Args:
        img (np.ndarray): float32 RGB image ``(h, w, 3)``.
        u (np.ndarray): Horizontal body coordinates.
        v (np.ndarray): Vertical body coordinates.
        ident (Identity): Who is drawn.
        bw (float): Body width factor of the view.
        arms (tuple[int, ...]): The sides to draw.
        shoulder_half (float): Half the shoulder width.
        swing (float): Horizontal swing of the hands.
        arm_out (float): How far the hands hang from the body.
        upper (np.ndarray): The top's colour field ``(h, w, 3)``.
    """
    for side in arms:
        shoulder = (side * (shoulder_half - 0.02), 0.19)
        hand = (side * (shoulder_half + arm_out) + swing, 0.5)
        paint(img, capsule(u, v, shoulder, hand, 0.028 * bw), ident.skin)
        cuff = (shoulder[0] + ident.sleeve * (hand[0] - shoulder[0]),
                shoulder[1] + ident.sleeve * (hand[1] - shoulder[1]) - 0.01)
        paint(img, capsule(u, v, shoulder, cuff, 0.034 * bw), upper)


def _pattern_field(u: np.ndarray, v: np.ndarray, colours: np.ndarray, pattern: int,
                   period: float, split: float) -> np.ndarray:
    """Colour of a garment at every pixel, shaded towards the body's sides.

    Args:
        u (np.ndarray): Horizontal body coordinates.
        v (np.ndarray): Vertical body coordinates.
        colours (np.ndarray): Main and second colour ``(2, 3)``.
        pattern (int): Plain, stripes, checks or two-tone.
        period (float): Period of stripes and checks, in body units.
        split (float): Where a two-tone garment changes colour (``v``).

    Returns:
        np.ndarray: float32 colour field ``(h, w, 3)``.
    """
    main, second = colours
    shape = np.broadcast_shapes(u.shape, v.shape)
    if pattern == _PLAIN:
        pick = np.zeros(shape, bool)
    elif pattern == _STRIPES:
        pick = np.broadcast_to((v / period) % 1.0 < 0.45, shape)
    elif pattern == _CHECKS:
        pick = ((u / period) % 1.0 < 0.5) ^ ((v / period) % 1.0 < 0.5)
    else:
        pick = np.broadcast_to(v < split, shape)
    field = np.where(pick[..., None], second, main)
    field *= np.broadcast_to(1.0 - 0.35 * np.minimum((u / 0.16) ** 2, 1.0), shape)[..., None]
    return field
