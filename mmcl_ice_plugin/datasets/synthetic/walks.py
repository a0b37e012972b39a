"""Walks (tracklets): what the consecutive frames of one person in one camera share, and how
they move from frame to frame.

The frames of a walk share their background patch, clutter, passer-by and light, and differ by
a small step of pose, position and scale.
"""
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .cameras import Camera
from .identities import Identity, make_identity
from .keys import DISTRACTOR, PERSON
from .scenes import muted


@dataclass(frozen=True)
class Walk:
    """What the frames of one walk share, and how they move from frame to frame."""
    window: tuple[float, float, float]  # scene crop: left and top (fractions of the free
    # room), zoom (crop height / image height)
    drift: float  # background shift per frame, in image widths
    light: float  # exposure of this place and moment
    view: int
    facing: int
    fill: float  # person height / image height
    top: float  # fraction of the free height above the person
    breadth: float  # horizontal body unit / vertical one (how the box's aspect widens people)
    centre: float
    centre_step: float
    scale_step: float
    phase: float  # gait phase of the first frame
    cadence: float  # gait phase per frame
    arm_out: float
    clutter: tuple[tuple[int, float, float, float, float, tuple[float, float, float]], ...]
    neighbour: Optional[tuple[Identity, float, float, int]]  # identity, offset, scale, view
    occluder: Optional[tuple[int, float, float, float, tuple[float, float, float]]]


def make_walk(rng: np.random.Generator, cam: Camera, colours: np.ndarray, kind: int) -> Walk:
    """Draw a walk past the camera: its place in the scene, light, viewpoint, framing, motion,
    clutter, passer-by and occluder.

    People fill 86-94 % of the image height; distractors are badly framed (too small, too
    large, off-centre) and junk is mostly scene.

    Args:
        rng (np.random.Generator): The walk's random stream.
        cam (Camera): The camera.
        colours (np.ndarray): The clothing palette (passers-by, occluders).
        kind (int): ``PERSON``, ``DISTRACTOR`` or ``JUNK``.
    """
    if kind == PERSON:
        fill = rng.uniform(0.86, 0.94)
        top = (1 - fill) * rng.uniform(0.3, 0.7)
        centre = rng.normal(0, 0.025)
    elif kind == DISTRACTOR:
        fill, top, centre = rng.uniform(0.5, 1.5), rng.uniform(-0.4, 0.5), rng.normal(0, 0.3)
    else:
        fill, top, centre = rng.uniform(1.6, 3.0), rng.uniform(-2.0, 0.3), rng.normal(0, 0.6)
    window = (float(rng.random()), float(rng.random()), float(rng.uniform(0.75, 1.4)))
    clutter = tuple((int(rng.integers(2)), float(rng.random()), float(rng.uniform(0.4, 1.0)),
                     float(rng.uniform(0.06, 0.35)), float(rng.uniform(0.08, 0.45)),
                     tuple(muted(rng, 1)[0].tolist()))
                    for _ in range(int(rng.integers(0, 4))))
    neighbour = None
    if rng.random() < cam.neighbour_p:
        neighbour = (make_identity(rng, colours),
                     float((1 if rng.random() < 0.5 else -1) * rng.uniform(0.55, 0.85)),
                     float(rng.uniform(0.75, 1.0)), int(rng.choice(3, p=cam.view_p)))
    occluder = None
    if rng.random() < cam.occlusion_p:
        occluder = (int(rng.integers(3)), float(rng.random()), float(rng.random()),
                    float(rng.random()), tuple((colours[rng.integers(len(colours))] *
                                                rng.uniform(0.6, 1.1)).tolist()))
    return Walk(
        window=window, drift=float(rng.normal(0, 0.03)),
        light=float(np.exp(rng.normal(0, 0.1))), view=int(rng.choice(3, p=cam.view_p)),
        facing=1 if rng.random() < 0.5 else -1, fill=float(fill), top=float(top),
        breadth=float(rng.uniform(1.15, 1.3)), centre=float(centre),
        centre_step=float(rng.normal(0, 0.012)), scale_step=float(rng.normal(0, 0.01)),
        phase=float(rng.uniform(0, 2 * math.pi)), cadence=float(rng.uniform(0.6, 1.2)),
        arm_out=float(rng.uniform(0.0, 0.03)), clutter=clutter, neighbour=neighbour,
        occluder=occluder)
