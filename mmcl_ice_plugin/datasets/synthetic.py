"""Procedurally drawn person re-identification data in the exact Market-1501 layout.

:func:`make_synthetic_reid` writes ``bounding_box_train/``, ``query/`` and
``bounding_box_test/`` under a root folder, with Market-1501 file names
(``0001_c1s1_000151_00.jpg``: 4-digit pid, camera 1..6, sequence, 6-digit frame), so that
torchreid's own ``Market1501`` parser and the plugin's folder dataset read it unchanged.

The images are built to have what real detector crops have (``shared/REALISM.md``), because
that structure is what unsupervised re-ID grows its first pseudo identities from:

* **tracklets**: the images of an identity in a camera come from 1-2 short walks of a few
  consecutive frames (more for long visits); the frames of a walk share their background
  patch, clutter, passer-by and light, and differ by a small step of pose, position and scale;
* **the person fills the box**: 86-94 % of the image height, arms and torso most of the width;
* **backgrounds differ between people in one camera**: every camera has a wide scene (sixteen
  crops wide, wall segments, doors, windows, pillars, floor) and every walk sits at its own
  place and zoom in it, with its own clutter and, sometimes, another person partly in view;
* **moderate camera effects**: white balance, exposure, contrast, saturation, a lighting
  gradient, blur and resolution, noise, JPEG quality, and a habit of viewpoint (front / back /
  side) per camera;
* **clothes from a skewed palette**: most people wear black, grey, white, navy or denim, so
  many people look alike and only the combination of colours, patterns, bag, hair, shoes and
  hat tells them apart.

Randomness is keyed, never sequential: an image is drawn from ``np.random.default_rng`` seeded
by ``(seed, pid, camera, index)``, its walk by ``(seed, pid, camera, walk)``, an identity by
``(seed, pid)``, a camera, its scene and the palette by ``style_seed``. Files are therefore
byte-identical whatever the generation order or the number of workers, and ``style_seed``
changes the "domain" (cameras, scenes and clothing palette) while ``seed`` keeps the
identities and their attributes.
"""
from __future__ import annotations

import colorsys
import json
import math
import shutil
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import cv2
import numpy as np

SPLIT_DIRS = {'train': 'bounding_box_train', 'query': 'query', 'gallery': 'bounding_box_test'}
SUMMARY_FILE = 'synthetic_reid.json'
GENERATOR_VERSION = 2
"""Stored in the summary; a dataset drawn by another version counts as absent (it is redrawn)."""

PRESETS: dict[str, dict[str, Any]] = {
    'tiny': dict(num_ids_train=16, num_ids_test=16, imgs_per_id_cam=2.0, num_distractors=12,
                 num_junk=4, height=128, width=64),
    'small': dict(num_ids_train=100, num_ids_test=100, imgs_per_id_cam=3.85, num_distractors=80,
                  num_junk=40, height=128, width=64),
    'small_wide': dict(num_ids_train=100, num_ids_test=250, imgs_per_id_cam=3.85,
                       num_distractors=200, num_junk=40, height=128, width=64),
    'medium': dict(num_ids_train=300, num_ids_test=300, imgs_per_id_cam=3.85,
                   num_distractors=600, num_junk=300, height=128, width=64),
    'market': dict(num_ids_train=751, num_ids_test=750, imgs_per_id_cam=3.85,
                   num_distractors=2793, num_junk=3819, height=256, width=128),
}
"""Named sizes. ``small_wide`` trains on as many people as ``small`` but tests on 250 (about
1,100 queries and 4,400 gallery images), so that ImageNet features used directly meet as many
look-alike people as a re-ID model does on a real test set (the benchmark's target domain).
``market`` matches Market-1501's statistics (751/750 ids, ~12.9k train, ~3.4k query, ~15.9k
parsed gallery images with 2,793 distractors, plus junk)."""

_MAX_PID = 1501  # torchreid's Market1501 parser asserts 0 <= pid <= 1501
_MAX_CAMS = 6  # ... and 1 <= camid <= 6
_CAM_COVERAGE = 0.62  # P(an identity visits each camera beyond the first two): ~4.5 of 6
_MAX_DRAW_HEIGHT = 128  # larger images are drawn at this height and upscaled (like real crops)
_WALK_LEN = 5  # frames per walk at most, unless a visit has more images than 2 walks hold
_SCENE_CROPS = 16  # a camera's scene is this many crops wide ...
_SCENE_TALL = 1.5  # ... and this many crops tall

_PERSON, _DISTRACTOR, _JUNK = 0, 1, 2
_TAG_PIDS, _TAG_PLAN, _TAG_IDENTITY, _TAG_PALETTE, _TAG_CAMERA, _TAG_SCENE = range(1, 7)
_TAG_IMAGE, _TAG_DISTRACTORS, _TAG_JUNK, _TAG_WALK = range(7, 11)
_FRONT, _BACK, _SIDE = 0, 1, 2
_PLAIN, _STRIPES, _CHECKS, _TWO_TONE = 0, 1, 2, 3
_TROUSERS, _SHORTS, _SKIRT = 0, 1, 2
_NO_BAG, _BACKPACK, _SHOULDER_BAG = 0, 1, 2

_SKIN = np.array([[236, 200, 170], [220, 172, 135], [190, 140, 100], [150, 100, 65],
                  [100, 66, 45]], np.float32)
_HAIR = np.array([[20, 18, 18], [55, 38, 28], [105, 72, 45], [205, 175, 110], [150, 150, 150]],
                 np.float32)
_HAIR_P = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
# black, charcoal, grey, white, navy, denim, beige
_NEUTRALS = np.array([[26, 26, 30], [62, 62, 66], [128, 128, 130], [226, 226, 220],
                      [34, 42, 82], [64, 82, 120], [190, 170, 130]], np.float32)
_UPPER_NEUTRAL_P = np.array([0.3, 0.15, 0.12, 0.2, 0.1, 0.03, 0.1])
_LOWER_NEUTRAL_P = np.array([0.33, 0.12, 0.1, 0.04, 0.12, 0.22, 0.07])
_SHOE_P = np.array([0.45, 0.2, 0.08, 0.17, 0.04, 0.0, 0.06])
_NUM_HUES = 6
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


class _Job(NamedTuple):
    """One file to draw: ``kind`` is person, distractor or junk; ``key`` is the pid for a
    person and the running number for the others; ``index`` numbers a person's images in one
    camera, ``walk`` the walk (tracklet) the image belongs to and ``step`` its frame in it."""
    path: str
    kind: int
    key: int
    cam: int
    index: int
    walk: int
    step: int


@dataclass(frozen=True)
class _Identity:
    upper: np.ndarray  # (2, 3) main and second colour
    upper_pattern: int
    upper_period: float
    sleeve: float  # covered fraction of the arm
    lower: np.ndarray  # (2, 3)
    lower_pattern: int
    lower_kind: int
    skin: np.ndarray
    hair: np.ndarray
    long_hair: bool
    shoes: np.ndarray
    bag_kind: int
    bag: np.ndarray
    bag_side: int  # +1: carried on the person's right
    hat: Optional[np.ndarray]
    build: float


@dataclass(frozen=True)
class _Camera:
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


@dataclass(frozen=True)
class _Walk:
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
    neighbour: Optional[tuple[_Identity, float, float, int]]  # identity, offset, scale, view
    occluder: Optional[tuple[int, float, float, float, tuple[float, float, float]]]


def make_synthetic_reid(root: str,
                        num_ids_train: int = 50,
                        num_ids_test: int = 50,
                        num_cams: int = 6,
                        imgs_per_id_cam: float = 3.0,
                        num_distractors: int = 50,
                        num_junk: int = 20,
                        height: int = 128,
                        width: int = 64,
                        seed: int = 0,
                        style_seed: int = 0,
                        camera_strength: float = 1.0,
                        num_workers: int = 0,
                        overwrite: bool = False,
                        progress: bool = False) -> dict[str, Any]:
    """Draw a synthetic re-identification dataset in Market-1501 layout under ``root``.

    Train and test identities are disjoint people with pids drawn from ``1..num_ids_train +
    num_ids_test``. Each identity visits a random subset of 2..``num_cams`` cameras. In every
    visited camera a train identity gets ``1 + Poisson(imgs_per_id_cam - 1)`` images; a test
    identity gets one query image plus as many gallery images (at least one), so every query has
    true matches in all the identity's other cameras. A visit's images are consecutive frames
    of one walk (tracklet), or of two walks when it has 3 or more images (half of the time) or
    more than five. The gallery also holds ``num_distractors`` badly framed people with pid
    ``0000`` (kept by torchreid as distractors) and ``num_junk`` background crops with pid
    ``-1`` (ignored by torchreid), as in Market-1501.

    Args:
        root: folder that receives ``bounding_box_train/``, ``query/``, ``bounding_box_test/``
            and ``synthetic_reid.json`` (this summary; written last, it marks a complete
            dataset). For torchreid's ``Market1501(root=R)`` use ``R/market1501``.
        num_ids_train: identities in ``bounding_box_train``.
        num_ids_test: identities in ``query`` and ``bounding_box_test``.
        num_cams: cameras, 2..6.
        imgs_per_id_cam: mean number of train (or gallery) images of an identity in a camera
            it visits, at least 1.
        num_distractors: gallery images with pid ``0000``.
        num_junk: gallery images with pid ``-1``.
        height: image height in pixels; images taller than 128 are drawn at 128 and upscaled.
        width: image width in pixels.
        seed: identities, their attributes, camera visits, walks, poses and file names.
        style_seed: the domain: cameras, scenes and the clothing palette. Two datasets with
            different style seeds differ like two real datasets do.
        camera_strength: scales how far each camera's white balance, saturation, contrast,
            exposure and lighting depart from neutral: 0 leaves scenes, blur, resolution and
            noise to tell cameras apart, 1 is the default (moderate, like real cameras).
        num_workers: worker processes; 0 or 1 draws in this process. The files do not depend
            on it.
        overwrite: delete existing split folders first; otherwise existing images are an error.
        progress: show a progress bar.

    Returns:
        The summary also stored in ``root/synthetic_reid.json``: the parameters above, the
        ``generator_version``, the image counts ``train``, ``query``, ``gallery`` (pid >= 0,
        what torchreid loads, distractors included), ``distractors``, ``junk``, the identity
        counts ``num_train_ids``, ``num_test_ids``, ``num_train_cams``, the number of walks
        ``train_walks`` and ``seconds`` (drawing time).

    Raises:
        ValueError: a parameter out of range (the message says which and why).
        FileExistsError: ``root`` already holds split images and ``overwrite`` is False.
    """
    params = dict(num_ids_train=num_ids_train, num_ids_test=num_ids_test, num_cams=num_cams,
                  imgs_per_id_cam=float(imgs_per_id_cam), num_distractors=num_distractors,
                  num_junk=num_junk, height=height, width=width, seed=seed,
                  style_seed=style_seed, camera_strength=float(camera_strength))
    _check_params(params)
    root_path = Path(root)
    _prepare_root(root_path, overwrite)
    jobs = _plan(**{k: params[k] for k in ('num_ids_train', 'num_ids_test', 'num_cams',
                                           'imgs_per_id_cam', 'num_distractors', 'num_junk',
                                           'seed')})
    start = time.perf_counter()
    render = partial(render_image, seed=seed, style_seed=style_seed,
                     camera_strength=float(camera_strength), height=height, width=width)
    _draw_all(jobs, root_path, render, num_workers, progress)
    summary = dict(params, generator_version=GENERATOR_VERSION, **_count(jobs),
                   seconds=round(time.perf_counter() - start, 3))
    (root_path / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + '\n')
    return summary


def read_summary(root: str) -> Optional[dict[str, Any]]:
    """The summary of the complete synthetic dataset under ``root``, or None.

    Complete means ``synthetic_reid.json`` exists, was written by this
    :data:`GENERATOR_VERSION`, and every split folder holds exactly the number of images it
    records (an interrupted run is not complete).
    """
    root_path = Path(root)
    try:
        summary = json.loads((root_path / SUMMARY_FILE).read_text())
    except (OSError, ValueError):
        return None
    if summary.get('generator_version') != GENERATOR_VERSION:
        return None
    expected = {'train': summary.get('train', -1), 'query': summary.get('query', -1),
                'gallery': summary.get('gallery', -1) + summary.get('junk', 0)}
    for split, folder in SPLIT_DIRS.items():
        if sum(1 for _ in (root_path / folder).glob('*.jpg')) != expected[split]:
            return None
    return summary


def _check_params(params: dict[str, Any]) -> None:
    n_ids = params['num_ids_train'] + params['num_ids_test']
    problems = []
    if params['num_ids_train'] < 1 or params['num_ids_test'] < 1:
        problems.append('num_ids_train and num_ids_test must be >= 1')
    if n_ids > _MAX_PID:
        problems.append(f'num_ids_train + num_ids_test = {n_ids} exceeds {_MAX_PID}, the largest '
                        "pid torchreid's Market1501 parser accepts")
    if not 2 <= params['num_cams'] <= _MAX_CAMS:
        problems.append(f'num_cams = {params["num_cams"]} must be in 2..{_MAX_CAMS} '
                        '(identities visit >= 2 cameras; Market-1501 names allow 1..6)')
    if params['imgs_per_id_cam'] < 1:
        problems.append('imgs_per_id_cam must be >= 1')
    if params['num_distractors'] < 0 or params['num_junk'] < 0:
        problems.append('num_distractors and num_junk must be >= 0')
    if params['height'] < 32 or params['width'] < 16:
        problems.append('height must be >= 32 and width >= 16')
    if params['camera_strength'] < 0:
        problems.append('camera_strength must be >= 0')
    if problems:
        raise ValueError('make_synthetic_reid: ' + '; '.join(problems))


def _prepare_root(root: Path, overwrite: bool) -> None:
    folders = [root / folder for folder in SPLIT_DIRS.values()]
    if any(next(folder.glob('*.jpg'), None) for folder in folders if folder.is_dir()):
        if not overwrite:
            raise FileExistsError(
                f'{root} already holds images in {", ".join(SPLIT_DIRS.values())}; pass '
                'overwrite=True (--overwrite) to replace them or choose another root')
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    (root / SUMMARY_FILE).unlink(missing_ok=True)
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)


def _walk_sizes(n: int, rng: np.random.Generator) -> list[int]:
    """Split a visit's ``n`` images into walks: one, or two half of the time from 3 images,
    and as many as keep a walk at most ``_WALK_LEN`` frames long."""
    walks = max(math.ceil(n / _WALK_LEN), 1 + int(n >= 3 and rng.random() < 0.5))
    return [n // walks + int(i < n % walks) for i in range(walks)]


def _plan(num_ids_train: int, num_ids_test: int, num_cams: int, imgs_per_id_cam: float,
          num_distractors: int, num_junk: int, seed: int) -> list[_Job]:
    """Every file to write, in a fixed order; it depends on ``seed`` and the counts only."""
    pids = np.random.default_rng([seed, _TAG_PIDS]).permutation(
        np.arange(1, num_ids_train + num_ids_test + 1))
    jobs = []
    for is_test, split_pids in ((False, pids[:num_ids_train]), (True, pids[num_ids_train:])):
        for pid in np.sort(split_pids).tolist():
            rng = np.random.default_rng([seed, _TAG_PLAN, pid])
            n_cams = 2 + rng.binomial(num_cams - 2, _CAM_COVERAGE)
            for cam in (np.sort(rng.choice(num_cams, n_cams, replace=False)) + 1).tolist():
                n = 1 + rng.poisson(imgs_per_id_cam - 1) + int(is_test)
                query_slot = rng.integers(n) if is_test else -1
                index = 0
                for walk, size in enumerate(_walk_sizes(n, rng)):
                    seq = int(rng.integers(1, 7))
                    frames = rng.integers(0, 150_000) + np.cumsum(rng.integers(4, 16, size))
                    for step, frame in enumerate(frames.tolist()):
                        split = (('query' if index == query_slot else 'gallery') if is_test
                                 else 'train')
                        name = f'{pid:04d}_c{cam}s{seq}_{frame:06d}_00.jpg'
                        jobs.append(_Job(f'{SPLIT_DIRS[split]}/{name}', _PERSON, pid, cam,
                                         index, walk, step))
                        index += 1
    for kind, tag, pid, count in ((_DISTRACTOR, _TAG_DISTRACTORS, '0000', num_distractors),
                                  (_JUNK, _TAG_JUNK, '-1', num_junk)):
        rng = np.random.default_rng([seed, tag])
        cams = rng.integers(1, num_cams + 1, count).tolist()
        seqs = rng.integers(1, 7, count).tolist()
        frames = rng.choice(1_000_000, count, replace=False).tolist()
        for i, (cam, seq, frame) in enumerate(zip(cams, seqs, frames)):
            name = f'{pid}_c{cam}s{seq}_{frame:06d}_00.jpg'
            jobs.append(_Job(f'{SPLIT_DIRS["gallery"]}/{name}', kind, i, cam, 0, 0, 0))
    return jobs


def _count(jobs: list[_Job]) -> dict[str, int]:
    split_of = {folder: split for split, folder in SPLIT_DIRS.items()}
    counts = dict(train=0, query=0, gallery=0, distractors=0, junk=0)
    train_ids, test_ids, train_cams, train_walks = set(), set(), set(), set()
    for job in jobs:
        split = split_of[job.path.split('/')[0]]
        if job.kind == _JUNK:
            counts['junk'] += 1
            continue
        counts[split] += 1
        if job.kind == _DISTRACTOR:
            counts['distractors'] += 1
        elif split == 'train':
            train_ids.add(job.key)
            train_cams.add(job.cam)
            train_walks.add((job.key, job.cam, job.walk))
        else:
            test_ids.add(job.key)
    return dict(counts, num_train_ids=len(train_ids), num_test_ids=len(test_ids),
                num_train_cams=len(train_cams), train_walks=len(train_walks))


def _draw_all(jobs: list[_Job], root: Path, render: Callable[..., tuple[np.ndarray, int]],
              num_workers: int, progress: bool) -> None:
    chunk = 64
    chunks = [jobs[i:i + chunk] for i in range(0, len(jobs), chunk)]
    work = partial(_write_chunk, root=str(root), render=render)
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(jobs))
    if num_workers > 1:
        with get_context('fork').Pool(num_workers) as pool:
            for done in pool.imap_unordered(work, chunks):
                if bar:
                    bar.update(done)
    else:
        for part in chunks:
            done = work(part)
            if bar:
                bar.update(done)
    if bar:
        bar.file.write('\n')


def _write_chunk(jobs: list[_Job], root: str, render: Callable[..., tuple[np.ndarray, int]]
                 ) -> int:
    for job in jobs:
        rgb, quality = render(job.kind, job.key, job.cam, job.index, job.walk, job.step)
        path = f'{root}/{job.path}'
        if not cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f'cannot write {path}: check that the folder is writable')
    return len(jobs)


def render_image(kind: int, key: int, cam: int, index: int, walk: int = 0, step: int = 0, *,
                 seed: int, style_seed: int, camera_strength: float, height: int,
                 width: int) -> tuple[np.ndarray, int]:
    """Draw one image: ``(uint8 RGB array of shape (height, width, 3), JPEG quality)``.

    ``kind`` is 0 (the person ``key`` = pid), 1 (distractor number ``key``) or 2 (junk number
    ``key``); ``cam`` is 1-based, ``index`` numbers the person's images in that camera,
    ``walk`` is the walk they belong to and ``step`` the frame in that walk.
    """
    draw_h = min(height, _MAX_DRAW_HEIGHT)
    draw_w = max(8, round(width * draw_h / height))
    camera = _camera(style_seed, cam, camera_strength)
    palette = _palette(style_seed)
    if kind == _PERSON:
        walk_rng = np.random.default_rng([seed, _TAG_WALK, key, cam, walk])
        rng = np.random.default_rng([seed, _TAG_IMAGE, key, cam, index])
        identity = _identity(seed, style_seed, key)
    else:
        tag = _TAG_DISTRACTORS if kind == _DISTRACTOR else _TAG_JUNK
        walk_rng = np.random.default_rng([seed, tag, key])
        rng = np.random.default_rng([seed, tag, key, 1])
        identity = _make_identity(walk_rng, palette)
    walk_ = _make_walk(walk_rng, camera, palette, kind)
    shift = walk_.drift * step  # the scene moves by this many image widths
    img = _background(_scene(style_seed, cam, draw_h, draw_w), walk_.window, shift, draw_h,
                      draw_w)
    _draw_clutter(img, walk_.clutter, shift)

    rows, cols = _grid(draw_h, draw_w)
    person_h = draw_h * walk_.fill * (1 + walk_.scale_step * step) * rng.uniform(0.985, 1.015)
    top_px = draw_h * walk_.top + rng.normal(0, 0.008) * draw_h
    centre_px = draw_w * (0.5 + walk_.centre + walk_.centre_step * step + rng.normal(0, 0.012))
    if walk_.neighbour is not None:
        other, offset, scale, other_view = walk_.neighbour
        other_h = person_h * scale
        other_top = top_px + person_h - other_h - 0.03 * draw_h
        _draw_person(img, (cols - np.float32(centre_px + offset * draw_w)) /
                     np.float32(other_h * walk_.breadth), (rows - np.float32(other_top)) /
                     np.float32(other_h), other, other_view, -walk_.facing, -walk_.phase, 0.01,
                     0.0)
    v = (rows - np.float32(top_px)) / np.float32(person_h)
    lean = np.float32(rng.normal(0, 0.03))
    u = (cols - np.float32(centre_px)) / np.float32(person_h * walk_.breadth) + lean * (1 - v)
    gait = math.sin(walk_.phase + walk_.cadence * step)
    _draw_person(img, u, v, identity, walk_.view, walk_.facing, gait, walk_.arm_out,
                 rng.normal(0, 0.006))
    if walk_.occluder is not None:
        _occlude(img, walk_.occluder, shift)
    return _photometrics(img, camera, walk_.light, rng, height, width), camera.quality


def _make_walk(rng: np.random.Generator, camera: _Camera, palette: np.ndarray,
               kind: int) -> _Walk:
    """A walk past the camera: its place in the scene, light, viewpoint, framing and motion.
    Distractors are badly framed (too small, too large, off-centre), junk is mostly scene."""
    if kind == _PERSON:
        fill = rng.uniform(0.86, 0.94)
        top = (1 - fill) * rng.uniform(0.3, 0.7)
        centre = rng.normal(0, 0.025)
    elif kind == _DISTRACTOR:
        fill, top, centre = rng.uniform(0.5, 1.5), rng.uniform(-0.4, 0.5), rng.normal(0, 0.3)
    else:
        fill, top, centre = rng.uniform(1.6, 3.0), rng.uniform(-2.0, 0.3), rng.normal(0, 0.6)
    window = (float(rng.random()), float(rng.random()), float(rng.uniform(0.75, 1.4)))
    clutter = tuple((int(rng.integers(2)), float(rng.random()), float(rng.uniform(0.4, 1.0)),
                     float(rng.uniform(0.06, 0.35)), float(rng.uniform(0.08, 0.45)),
                     tuple(_muted(rng, 1)[0].tolist()))
                    for _ in range(int(rng.integers(0, 4))))
    neighbour = None
    if rng.random() < camera.neighbour_p:
        neighbour = (_make_identity(rng, palette),
                     float((1 if rng.random() < 0.5 else -1) * rng.uniform(0.55, 0.85)),
                     float(rng.uniform(0.75, 1.0)), int(rng.choice(3, p=camera.view_p)))
    occluder = None
    if rng.random() < camera.occlusion_p:
        occluder = (int(rng.integers(3)), float(rng.random()), float(rng.random()),
                    float(rng.random()), tuple((palette[rng.integers(len(palette))] *
                                                rng.uniform(0.6, 1.1)).tolist()))
    return _Walk(
        window=window, drift=float(rng.normal(0, 0.03)),
        light=float(np.exp(rng.normal(0, 0.1))), view=int(rng.choice(3, p=camera.view_p)),
        facing=1 if rng.random() < 0.5 else -1, fill=float(fill), top=float(top),
        breadth=float(rng.uniform(1.15, 1.3)), centre=float(centre),
        centre_step=float(rng.normal(0, 0.012)), scale_step=float(rng.normal(0, 0.01)),
        phase=float(rng.uniform(0, 2 * math.pi)), cadence=float(rng.uniform(0.6, 1.2)),
        arm_out=float(rng.uniform(0.0, 0.03)), clutter=clutter, neighbour=neighbour,
        occluder=occluder)


def _background(scene: np.ndarray, window: tuple[float, float, float], shift: float,
                draw_h: int, draw_w: int) -> np.ndarray:
    """The walk's patch of the camera's scene, zoomed to the image size (a new array)."""
    left, top, zoom = window
    crop_h = min(scene.shape[0], round(draw_h * zoom))
    crop_w = round(draw_w * zoom)
    x0 = int(np.clip(left * (scene.shape[1] - crop_w) + shift * crop_w, 0,
                     scene.shape[1] - crop_w))
    y0 = int(top * (scene.shape[0] - crop_h))
    return cv2.resize(scene[y0:y0 + crop_h, x0:x0 + crop_w], (draw_w, draw_h),
                      interpolation=cv2.INTER_LINEAR)


def _draw_clutter(img: np.ndarray, clutter: tuple, shift: float) -> None:
    """Objects of the walk's place behind the person: boxes (bins, benches, signs) and poles,
    moving with the scene."""
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


def _draw_person(img: np.ndarray, u: np.ndarray, v: np.ndarray, ident: _Identity, view: int,
                 facing: int, phase: float, arm_out: float, head_u: float) -> None:
    """Paint a person in body coordinates: ``v`` is 0 at the top of the head and 1 at the
    soles, ``u`` is horizontal (0 on the body axis). ``facing`` (+-1) is the walking direction
    in a side view, ``phase`` in [-1, 1] the gait (leg spread and arm swing), ``arm_out`` how
    far the hands hang from the body and ``head_u`` the head's offset."""
    if view == _SIDE:
        u = u * facing
    side_sign = -1 if view == _FRONT else 1  # image side of the person's right hand
    bw = ident.build * (0.68 if view == _SIDE else 1.0)
    spread = (0.09 if view == _SIDE else 0.03) * phase
    swing = (0.07 if view == _SIDE else 0.02) * phase

    _paint(img, _ellipse(u, v, 0, 1.0, 0.17 * bw + abs(spread), 0.025), None, shade=0.6)
    upper = _pattern_field(u, v, ident.upper, ident.upper_pattern, ident.upper_period, 0.26)
    lower = _pattern_field(u, v, ident.lower, ident.lower_pattern, 0.05, 0.7)
    if ident.long_hair and view == _FRONT:
        _paint(img, _ellipse(u, v, head_u, 0.13, 0.068, 0.11), ident.hair)
    if ident.bag_kind == _BACKPACK and view == _SIDE:
        _paint(img, _box(u, v, -0.11 * bw - 0.08, -0.06 * bw, 0.17, 0.42), ident.bag)

    hip_half = 0.05 * bw
    for side in (-1, 1):
        hip = (side * hip_half, 0.52)
        ankle = (side * hip_half * 1.1 + side * spread, 0.94)
        if ident.lower_kind == _TROUSERS:
            _paint(img, _capsule(u, v, hip, ankle, 0.048 * bw), lower)
        else:
            _paint(img, _capsule(u, v, hip, ankle, 0.038 * bw), ident.skin * 0.92)
            if ident.lower_kind == _SHORTS:
                knee = (hip[0] + 0.45 * (ankle[0] - hip[0]), 0.52 + 0.45 * 0.42)
                _paint(img, _capsule(u, v, hip, knee, 0.05 * bw), lower)
        _paint(img, _ellipse(u, v, ankle[0] + (0.02 * facing if view == _SIDE else 0), 0.965,
                             0.04 * bw + 0.008, 0.026), ident.shoes)
    if ident.lower_kind == _SKIRT:
        _paint(img, _trapezoid(u, v, 0.46, 0.74, 0.1 * bw, 0.15 * bw), lower)
    else:
        _paint(img, _box(u, v, -0.1 * bw, 0.1 * bw, 0.47, 0.57), lower)

    shoulder_half = 0.115 * bw
    arms = (-1, 1) if view != _SIDE else (1,)
    if view != _SIDE:
        _draw_arms(img, u, v, ident, bw, arms, shoulder_half, swing, arm_out, upper)
    torso = _trapezoid(u, v, 0.17, 0.52, shoulder_half, 0.1 * bw) | _ellipse(
        u, v, 0, 0.18, shoulder_half, 0.045)
    _paint(img, torso, upper)
    if ident.bag_kind == _BACKPACK and view == _BACK:
        _paint(img, _box(u, v, -0.08 * bw, 0.08 * bw, 0.17, 0.43), ident.bag)
    elif ident.bag_kind == _BACKPACK and view == _FRONT:
        for side in (-1, 1):
            _paint(img, _box(u, v, side * 0.075 * bw - 0.014, side * 0.075 * bw + 0.014,
                             0.15, 0.4), ident.bag)
    if view == _SIDE:
        _draw_arms(img, u, v, ident, bw, arms, 0.0, swing, arm_out, upper)

    _paint(img, _ellipse(u, v, head_u, 0.07, 0.05, 0.066), ident.skin)
    if view == _BACK or (ident.long_hair and view == _SIDE):
        _paint(img, _ellipse(u, v, head_u, 0.07, 0.054, 0.07), ident.hair)
        if ident.long_hair:
            _paint(img, _box(u, v, head_u - 0.055, head_u + 0.055, 0.07, 0.22), ident.hair)
    else:
        _paint(img, _ellipse(u, v, head_u, 0.055, 0.054, 0.058) & (v < 0.045 + 0.02 * (u < 0)),
               ident.hair)
    if ident.hat is not None:
        _paint(img, _ellipse(u, v, head_u, 0.035, 0.058, 0.04) & (v < 0.045), ident.hat)
        _paint(img, _box(u, v, head_u - 0.068, head_u + 0.068, 0.035, 0.048), ident.hat * 0.8)

    if ident.bag_kind == _SHOULDER_BAG:
        bag_u = ident.bag_side * side_sign * (0.125 * bw + 0.03)
        strap_top = (-ident.bag_side * side_sign * 0.08 * bw, 0.16)
        if view != _SIDE or ident.bag_side * facing > 0:
            _paint(img, _capsule(u, v, strap_top, (bag_u, 0.47), 0.011), ident.bag * 0.85)
            _paint(img, _box(u, v, bag_u - 0.05, bag_u + 0.05, 0.45, 0.6), ident.bag)


def _draw_arms(img: np.ndarray, u: np.ndarray, v: np.ndarray, ident: _Identity, bw: float,
               arms: tuple[int, ...], shoulder_half: float, swing: float, arm_out: float,
               upper: np.ndarray) -> None:
    for side in arms:
        shoulder = (side * (shoulder_half - 0.02), 0.19)
        hand = (side * (shoulder_half + arm_out) + swing, 0.5)
        _paint(img, _capsule(u, v, shoulder, hand, 0.028 * bw), ident.skin)
        cuff = (shoulder[0] + ident.sleeve * (hand[0] - shoulder[0]),
                shoulder[1] + ident.sleeve * (hand[1] - shoulder[1]) - 0.01)
        _paint(img, _capsule(u, v, shoulder, cuff, 0.034 * bw), upper)


def _paint(img: np.ndarray, mask: np.ndarray, colour: Optional[np.ndarray],
           shade: float = 1.0) -> None:
    """Fill ``mask`` with a colour, a per-pixel colour field, or (``colour`` None) darken it."""
    if colour is None:
        img[mask] *= np.float32(shade)
    elif colour.ndim == 3:
        img[mask] = colour[mask]
    else:
        img[mask] = colour


def _pattern_field(u: np.ndarray, v: np.ndarray, colours: np.ndarray, pattern: int,
                   period: float, split: float) -> np.ndarray:
    """Colour of a garment at every pixel (shaded towards the body's sides)."""
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


def _ellipse(u: np.ndarray, v: np.ndarray, cu: float, cv: float, ru: float,
             rv: float) -> np.ndarray:
    return ((u - np.float32(cu)) / np.float32(ru)) ** 2 + (
        (v - np.float32(cv)) / np.float32(rv)) ** 2 <= 1.0


def _box(u: np.ndarray, v: np.ndarray, u0: float, u1: float, v0: float, v1: float) -> np.ndarray:
    return (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)


def _trapezoid(u: np.ndarray, v: np.ndarray, v0: float, v1: float, half0: float,
               half1: float) -> np.ndarray:
    """Symmetric about the body axis, half-width ``half0`` at ``v0`` to ``half1`` at ``v1``."""
    t = (v - np.float32(v0)) / np.float32(v1 - v0)
    return (np.abs(u) <= half0 + (half1 - half0) * t) & (t >= 0) & (t <= 1)


def _capsule(u: np.ndarray, v: np.ndarray, a: tuple[float, float], b: tuple[float, float],
             radius: float) -> np.ndarray:
    """Points within ``radius`` of the segment ``a``-``b`` (limbs, straps)."""
    du, dv = np.float32(b[0] - a[0]), np.float32(b[1] - a[1])
    pu, pv = u - np.float32(a[0]), v - np.float32(a[1])
    t = np.clip((pu * du + pv * dv) / (du * du + dv * dv), 0, 1)
    return (pu - t * du) ** 2 + (pv - t * dv) ** 2 <= np.float32(radius * radius)


def _occlude(img: np.ndarray, occluder: tuple, shift: float) -> None:
    """Cover part of the person for the whole walk: an object at the bottom, a passer-by close
    to the camera at a side, or a pole (objects of the scene move with it)."""
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


def _photometrics(img: np.ndarray, camera: _Camera, light: float, rng: np.random.Generator,
                  height: int, width: int) -> np.ndarray:
    """Lighting (camera gradient, the walk's exposure), saturation, white balance, contrast,
    blur, the sensor's resolution, noise, then the final size."""
    h, w, _ = img.shape
    rows, cols = _grid(h, w)
    gx, gy = camera.light
    img *= (np.float32(light) * (1 + np.float32(gx) * (cols / w - 0.5) +
                                 np.float32(gy) * (rows / h - 0.5)))[..., None]
    luma = img @ _LUMA
    img = luma[..., None] + np.float32(camera.saturation) * (img - luma[..., None])
    gain = camera.gain * np.exp(rng.normal(0, 0.03, 3)).astype(np.float32)
    img = (img * gain - 128) * np.float32(camera.contrast) + np.float32(128 + camera.brightness)
    img = cv2.GaussianBlur(img, (0, 0), camera.blur * h / 128 * rng.uniform(0.8, 1.2))
    if camera.resolution < 0.98:
        small = cv2.resize(img, (max(4, round(w * camera.resolution)),
                                 max(8, round(h * camera.resolution))),
                           interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    img += rng.standard_normal(img.shape, np.float32) * np.float32(camera.noise)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if (h, w) != (height, width):
        out = cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR)
    return out


@lru_cache(maxsize=16)
def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre row (h, 1) and column (1, w) coordinates."""
    return (np.arange(h, dtype=np.float32)[:, None] + 0.5,
            np.arange(w, dtype=np.float32)[None, :] + 0.5)


@lru_cache(maxsize=16)
def _palette(style_seed: int) -> np.ndarray:
    """The clothing colours everybody shares: jittered neutrals, then a few hues."""
    rng = np.random.default_rng([style_seed, _TAG_PALETTE])
    neutrals = np.clip(_NEUTRALS + rng.uniform(-10, 10, _NEUTRALS.shape), 0, 255)
    offset = rng.random()
    hues = [colorsys.hsv_to_rgb((offset + (i + rng.uniform(-0.2, 0.2)) / _NUM_HUES) % 1.0,
                                rng.uniform(0.45, 0.85), rng.uniform(0.4, 0.85))
            for i in range(_NUM_HUES)]
    return np.concatenate([neutrals, np.array(hues) * 255]).astype(np.float32)


def _weights(neutral_share: float, neutral_p: np.ndarray) -> np.ndarray:
    """P(palette colour): ``neutral_share`` over the neutrals (as ``neutral_p``), the rest
    evenly over the hues."""
    return np.concatenate([neutral_share * neutral_p / neutral_p.sum(),
                           np.full(_NUM_HUES, (1 - neutral_share) / _NUM_HUES)])


@lru_cache(maxsize=4096)
def _identity(seed: int, style_seed: int, pid: int) -> _Identity:
    return _make_identity(np.random.default_rng([seed, _TAG_IDENTITY, pid]), _palette(style_seed))


def _make_identity(rng: np.random.Generator, palette: np.ndarray) -> _Identity:
    """Attributes of one person; colours come from the shared palette, with a small shade of
    the person's own. Tops are neutral 65 % of the time, trousers 88 %, shoes mostly dark."""
    n = len(palette)

    def shade(colours: np.ndarray) -> np.ndarray:
        return np.clip(colours * rng.uniform(0.92, 1.08, (len(colours), 1)), 0, 255).astype(
            np.float32)

    return _Identity(
        upper=shade(palette[rng.choice(n, 2, replace=False, p=_weights(0.65, _UPPER_NEUTRAL_P))]),
        upper_pattern=int(rng.choice(4, p=[0.55, 0.17, 0.1, 0.18])),
        upper_period=float(rng.uniform(0.035, 0.07)),
        sleeve=float(rng.choice([0.45, 1.0], p=[0.4, 0.6])),
        lower=shade(palette[rng.choice(n, 2, replace=False, p=_weights(0.88, _LOWER_NEUTRAL_P))]),
        lower_pattern=int(rng.choice(4, p=[0.8, 0.04, 0.06, 0.1])),
        lower_kind=int(rng.choice(3, p=[0.65, 0.2, 0.15])),
        skin=_SKIN[rng.integers(len(_SKIN))] * np.float32(rng.uniform(0.94, 1.06)),
        hair=_HAIR[rng.choice(len(_HAIR), p=_HAIR_P)],
        long_hair=bool(rng.random() < 0.35),
        shoes=palette[rng.choice(n, p=_weights(0.85, _SHOE_P))],
        bag_kind=int(rng.choice(3, p=[0.4, 0.35, 0.25])),
        bag=palette[rng.choice(n, p=_weights(0.7, _UPPER_NEUTRAL_P))],
        bag_side=1 if rng.random() < 0.5 else -1,
        hat=palette[rng.integers(n)] if rng.random() < 0.12 else None,
        build=float(rng.uniform(0.85, 1.2)),
    )


@lru_cache(maxsize=64)
def _camera(style_seed: int, cam: int, strength: float) -> _Camera:
    rng = np.random.default_rng([style_seed, _TAG_CAMERA, cam])
    return _Camera(
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


@lru_cache(maxsize=64)
def _scene(style_seed: int, cam: int, h: int, w: int) -> np.ndarray:
    """A camera's wide scene, ``_SCENE_CROPS`` crops wide and ``_SCENE_TALL`` crops tall: wall
    segments of the camera's tones and textures with doors, windows, pillars and signs, a tiled
    floor and smooth shading. Walks sit at different places of it."""
    rng = np.random.default_rng([style_seed, _TAG_SCENE, cam])
    sh, sw = round(h * _SCENE_TALL), w * _SCENE_CROPS
    rows, cols = _grid(sh, sw)
    rows, cols = rows / h, cols / h  # in image heights
    n_seg = int(rng.integers(5, 10))
    segment = np.searchsorted(np.sort(rng.uniform(0, sw / h, n_seg - 1)), cols[0])
    tone = _muted(rng, 1)
    mix = rng.uniform(0.4, 0.8, (n_seg, 1))
    colours = (tone * (1 - mix) + _muted(rng, n_seg) * mix).astype(np.float32)
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
    floor = _muted(rng, 1)[0]
    depth = np.maximum(rows - horizon, 0)
    tiles = ((depth / (depth + 0.15) * 6) % 1.0 < 0.12) | ((cols / 0.5) % 1.0 < 0.04)
    floor_img = floor * np.where(tiles, 0.85, 1.0)[..., None].astype(np.float32)
    scene = np.where((rows < horizon)[..., None], wall, floor_img).astype(np.float32)
    for _ in range(int(rng.integers(3 * _SCENE_CROPS // 2, 3 * _SCENE_CROPS))):
        x0 = rng.uniform(0, sw / h)
        x1 = x0 + rng.uniform(0.05, 0.5)
        y0, y1 = np.sort(rng.uniform(0.05, 1.1, 2))
        scene[_box(cols, rows, x0, x1, y0, y1)] = _muted(rng, 1)[0]
    blotches = cv2.resize(rng.normal(0, 1, (6, 4 * _SCENE_CROPS)).astype(np.float32), (sw, sh),
                          interpolation=cv2.INTER_CUBIC)
    scene *= (1 + 0.12 * blotches)[..., None]
    return np.clip(scene, 0, 255).astype(np.float32)


def _muted(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` colours of buildings and objects: random hues, mostly close to grey."""
    grey = rng.uniform(45, 215, (n, 1))
    return (grey + rng.uniform(0.15, 0.55, (n, 1)) * (rng.uniform(30, 230, (n, 3)) - grey)
            ).astype(np.float32)
