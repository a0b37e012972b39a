"""Drawing one image: the walk's background and clutter, a passer-by, the person, an
occluder, then the camera's photometrics."""
import math

import numpy as np

from .cameras import camera, photometrics
from .identities import identity, make_identity, palette
from .keys import DISTRACTOR, PERSON, TAG_DISTRACTORS, TAG_IMAGE, TAG_JUNK, TAG_WALK
from .people import draw_person
from .scenes import background, draw_clutter, occlude, scene
from .shapes import grid
from .walks import make_walk

MAX_DRAW_HEIGHT = 128  # larger images are drawn at this height and upscaled (like real crops)


def render_image(kind: int, key: int, cam: int, index: int, walk: int = 0, step: int = 0, *,
                 seed: int, style_seed: int, camera_strength: float, height: int,
                 width: int) -> tuple[np.ndarray, int]:
    """Draw one image.

    The image's random stream is keyed by ``(seed, pid, cam, index)`` and its walk's by
    ``(seed, pid, cam, walk)``, so an image does not depend on which images are drawn before.

    Args:
        kind (int): 0 (a person), 1 (a distractor) or 2 (junk).
        key (int): The pid of a person, the running number of a distractor or junk image.
        cam (int): Camera, 1-based.
        index (int): Number of the person's image in that camera.
        walk (int): The walk the image belongs to. Defaults to 0.
        step (int): The image's frame in that walk. Defaults to 0.
        seed (int): Identities, walks, poses.
        style_seed (int): The domain: cameras, scenes and the clothing palette.
        camera_strength (float): Scale of the cameras' colour effects.
        height (int): Image height in pixels.
        width (int): Image width in pixels.

    Returns:
        tuple[np.ndarray, int]: uint8 RGB image ``(height, width, 3)`` and its JPEG quality.
    """
    draw_h = min(height, MAX_DRAW_HEIGHT)
    draw_w = max(8, round(width * draw_h / height))
    cam_style = camera(style_seed, cam, camera_strength)
    colours = palette(style_seed)
    if kind == PERSON:
        walk_rng = np.random.default_rng([seed, TAG_WALK, key, cam, walk])
        rng = np.random.default_rng([seed, TAG_IMAGE, key, cam, index])
        person = identity(seed, style_seed, key)
    else:
        tag = TAG_DISTRACTORS if kind == DISTRACTOR else TAG_JUNK
        walk_rng = np.random.default_rng([seed, tag, key])
        rng = np.random.default_rng([seed, tag, key, 1])
        person = make_identity(walk_rng, colours)
    walk_ = make_walk(walk_rng, cam_style, colours, kind)
    shift = walk_.drift * step  # the scene moves by this many image widths
    img = background(scene(style_seed, cam, draw_h, draw_w), walk_.window, shift, draw_h,
                     draw_w)
    draw_clutter(img, walk_.clutter, shift)

    rows, cols = grid(draw_h, draw_w)
    person_h = draw_h * walk_.fill * (1 + walk_.scale_step * step) * rng.uniform(0.985, 1.015)
    top_px = draw_h * walk_.top + rng.normal(0, 0.008) * draw_h
    centre_px = draw_w * (0.5 + walk_.centre + walk_.centre_step * step + rng.normal(0, 0.012))
    if walk_.neighbour is not None:
        other, offset, scale, other_view = walk_.neighbour
        other_h = person_h * scale
        other_top = top_px + person_h - other_h - 0.03 * draw_h
        draw_person(img, (cols - np.float32(centre_px + offset * draw_w)) /
                    np.float32(other_h * walk_.breadth), (rows - np.float32(other_top)) /
                    np.float32(other_h), other, other_view, -walk_.facing, -walk_.phase, 0.01,
                    0.0)
    v = (rows - np.float32(top_px)) / np.float32(person_h)
    lean = np.float32(rng.normal(0, 0.03))
    u = (cols - np.float32(centre_px)) / np.float32(person_h * walk_.breadth) + lean * (1 - v)
    gait = math.sin(walk_.phase + walk_.cadence * step)
    draw_person(img, u, v, person, walk_.view, walk_.facing, gait, walk_.arm_out,
                rng.normal(0, 0.006))
    if walk_.occluder is not None:
        occlude(img, walk_.occluder, shift)
    return photometrics(img, cam_style, walk_.light, rng, height, width), cam_style.quality
