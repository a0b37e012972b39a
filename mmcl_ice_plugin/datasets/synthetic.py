"""Procedurally drawn person re-identification data in the exact Market-1501 layout.

:func:`make_synthetic_reid` writes ``bounding_box_train/``, ``query/`` and
``bounding_box_test/`` under a root folder, with Market-1501 file names
(``0001_c1s1_000151_00.jpg``: 4-digit pid, camera 1..6, sequence, 6-digit frame), so that
torchreid's own ``Market1501`` parser and the plugin's folder dataset read it unchanged.

The data are built to be hard in the ways real re-identification is hard:

* identities draw their clothes from a small palette shared by everybody, so many people look
  alike and only the combination of colours, patterns, bag, hair, shoes and hat tells them
  apart;
* every camera has its own scene (wall, floor, structures), colour cast, saturation,
  brightness/contrast, lighting gradient, blur, noise, JPEG quality, framing of the person and
  preferred viewpoint (front / back / side), so raw appearance is dominated by the camera;
* every image has its own pose (leg spread, arm swing, lean), viewpoint, crop of the scene,
  partial occlusion (sometimes) and pixel noise.

Randomness is keyed, never sequential: an image is drawn from ``np.random.default_rng`` seeded
by ``(seed, pid, camera, index)``, an identity by ``(seed, pid)``, a camera and the palette by
``style_seed``. Files are therefore byte-identical whatever the generation order or the number
of workers, and ``style_seed`` changes the "domain" (camera styles and clothing palette) while
``seed`` keeps the identities and their attributes.
"""
from __future__ import annotations

import colorsys
import json
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

PRESETS: dict[str, dict[str, Any]] = {
    'tiny': dict(num_ids_train=16, num_ids_test=16, imgs_per_id_cam=2.0, num_distractors=12,
                 num_junk=4, height=128, width=64),
    'small': dict(num_ids_train=100, num_ids_test=100, imgs_per_id_cam=3.85, num_distractors=80,
                  num_junk=40, height=128, width=64),
    'medium': dict(num_ids_train=300, num_ids_test=300, imgs_per_id_cam=3.85,
                   num_distractors=600, num_junk=300, height=128, width=64),
    'market': dict(num_ids_train=751, num_ids_test=750, imgs_per_id_cam=3.85,
                   num_distractors=2793, num_junk=3819, height=256, width=128),
}
"""Named sizes. ``market`` matches Market-1501's statistics (751/750 ids, ~12.9k train, ~3.4k
query, ~15.9k parsed gallery images with 2,793 distractors, plus junk)."""

_MAX_PID = 1501  # torchreid's Market1501 parser asserts 0 <= pid <= 1501
_MAX_CAMS = 6  # ... and 1 <= camid <= 6
_CAM_COVERAGE = 0.62  # P(an identity visits each camera beyond the first two): ~4.5 of 6
_MAX_DRAW_HEIGHT = 128  # larger images are drawn at this height and upscaled (like real crops)

_PERSON, _DISTRACTOR, _JUNK = 0, 1, 2
_TAG_PIDS, _TAG_PLAN, _TAG_IDENTITY, _TAG_PALETTE, _TAG_CAMERA, _TAG_SCENE = range(1, 7)
_TAG_IMAGE, _TAG_DISTRACTORS, _TAG_JUNK = range(7, 10)
_FRONT, _BACK, _SIDE = 0, 1, 2
_PLAIN, _STRIPES, _CHECKS, _TWO_TONE = 0, 1, 2, 3
_TROUSERS, _SHORTS, _SKIRT = 0, 1, 2
_NO_BAG, _BACKPACK, _SHOULDER_BAG = 0, 1, 2

_SKIN = np.array([[236, 200, 170], [220, 172, 135], [190, 140, 100], [150, 100, 65],
                  [100, 66, 45]], np.float32)
_HAIR = np.array([[20, 18, 18], [55, 38, 28], [105, 72, 45], [205, 175, 110], [150, 150, 150]],
                 np.float32)
_HAIR_P = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
_NEUTRALS = np.array([[28, 28, 32], [228, 228, 222], [125, 125, 128], [35, 45, 92],
                      [192, 172, 132]], np.float32)  # black, white, grey, navy, beige
_NUM_HUES = 6
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


class _Job(NamedTuple):
    """One file to draw: ``kind`` is person, distractor or junk; ``key`` is the pid for a
    person and the running number for the others; ``index`` numbers a person's images in one
    camera."""
    path: str
    kind: int
    key: int
    cam: int
    index: int


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
    height: float
    build: float


@dataclass(frozen=True)
class _Camera:
    gain: np.ndarray  # per-channel colour cast
    saturation: float
    contrast: float
    brightness: float
    light: tuple[float, float]  # horizontal and vertical lighting gradient
    blur: float  # Gaussian sigma in pixels at a height of 128
    noise: float
    quality: int
    scale: float  # person height / image height
    top: float
    shift: float
    view_p: np.ndarray  # P(front, back, side)
    occlusion_p: float


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
    true matches in all the identity's other cameras. The gallery also holds ``num_distractors``
    badly framed people with pid ``0000`` (kept by torchreid as distractors) and ``num_junk``
    background crops with pid ``-1`` (ignored by torchreid), as in Market-1501.

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
        seed: identities, their attributes, camera visits, poses and file names.
        style_seed: the domain: camera styles, scenes and the clothing palette. Two datasets
            with different style seeds differ like two real datasets do.
        camera_strength: scales how far each camera's colour cast, saturation, contrast,
            brightness and lighting depart from neutral: 0 leaves only scenes, framing, blur and
            noise to tell cameras apart, 1 is the default hard setting.
        num_workers: worker processes; 0 or 1 draws in this process. The files do not depend
            on it.
        overwrite: delete existing split folders first; otherwise existing images are an error.
        progress: show a progress bar.

    Returns:
        The summary also stored in ``root/synthetic_reid.json``: the parameters above, the image
        counts ``train``, ``query``, ``gallery`` (pid >= 0, what torchreid loads, distractors
        included), ``distractors``, ``junk``, the identity counts ``num_train_ids``,
        ``num_test_ids``, ``num_train_cams``, and ``seconds`` (drawing time).

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
    summary = dict(params, **_count(jobs), seconds=round(time.perf_counter() - start, 3))
    (root_path / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + '\n')
    return summary


def read_summary(root: str) -> Optional[dict[str, Any]]:
    """The summary of the complete synthetic dataset under ``root``, or None.

    Complete means ``synthetic_reid.json`` exists and every split folder holds exactly the
    number of images it records (an interrupted run is not complete).
    """
    root_path = Path(root)
    try:
        summary = json.loads((root_path / SUMMARY_FILE).read_text())
    except (OSError, ValueError):
        return None
    summary.setdefault('camera_strength', 1.0)  # written before the knob existed
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
                seq = rng.integers(1, 7)
                frames = rng.integers(0, 150_000) + np.cumsum(rng.integers(5, 80, n))
                query_slot = rng.integers(n) if is_test else -1
                for index, frame in enumerate(frames.tolist()):
                    split = ('query' if index == query_slot else 'gallery') if is_test else 'train'
                    name = f'{pid:04d}_c{cam}s{seq}_{frame:06d}_00.jpg'
                    jobs.append(_Job(f'{SPLIT_DIRS[split]}/{name}', _PERSON, pid, cam, index))
    for kind, tag, pid, count in ((_DISTRACTOR, _TAG_DISTRACTORS, '0000', num_distractors),
                                  (_JUNK, _TAG_JUNK, '-1', num_junk)):
        rng = np.random.default_rng([seed, tag])
        cams = rng.integers(1, num_cams + 1, count).tolist()
        seqs = rng.integers(1, 7, count).tolist()
        frames = rng.choice(1_000_000, count, replace=False).tolist()
        for i, (cam, seq, frame) in enumerate(zip(cams, seqs, frames)):
            name = f'{pid}_c{cam}s{seq}_{frame:06d}_00.jpg'
            jobs.append(_Job(f'{SPLIT_DIRS["gallery"]}/{name}', kind, i, cam, 0))
    return jobs


def _count(jobs: list[_Job]) -> dict[str, int]:
    split_of = {folder: split for split, folder in SPLIT_DIRS.items()}
    counts = dict(train=0, query=0, gallery=0, distractors=0, junk=0)
    train_ids, test_ids, train_cams = set(), set(), set()
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
        else:
            test_ids.add(job.key)
    return dict(counts, num_train_ids=len(train_ids), num_test_ids=len(test_ids),
                num_train_cams=len(train_cams))


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
        rgb, quality = render(job.kind, job.key, job.cam, job.index)
        path = f'{root}/{job.path}'
        if not cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f'cannot write {path}: check that the folder is writable')
    return len(jobs)


def render_image(kind: int, key: int, cam: int, index: int, *, seed: int, style_seed: int,
                 camera_strength: float, height: int, width: int) -> tuple[np.ndarray, int]:
    """Draw one image: ``(uint8 RGB array of shape (height, width, 3), JPEG quality)``.

    ``kind`` is 0 (the person ``key`` = pid), 1 (distractor number ``key``) or 2 (junk number
    ``key``); ``cam`` is 1-based and ``index`` numbers the person's images in that camera.
    """
    draw_h = min(height, _MAX_DRAW_HEIGHT)
    draw_w = max(8, round(width * draw_h / height))
    camera = _camera(style_seed, cam, camera_strength)
    if kind == _PERSON:
        rng = np.random.default_rng([seed, _TAG_IMAGE, key, cam, index])
        identity = _identity(seed, style_seed, key)
        scale, top, shift = camera.scale, camera.top, camera.shift
    else:
        rng = np.random.default_rng([seed, _TAG_DISTRACTORS if kind == _DISTRACTOR else _TAG_JUNK,
                                     key])
        identity = _make_identity(rng, _palette(style_seed))
        if kind == _DISTRACTOR:
            scale, top, shift = rng.uniform(0.5, 1.5), rng.uniform(-0.4, 0.5), rng.normal(0, 0.3)
        else:
            scale, top, shift = rng.uniform(1.6, 3.0), rng.uniform(-2.0, 0.3), rng.normal(0, 0.6)

    scene = _scene(style_seed, cam, draw_h, draw_w)
    x0 = rng.integers(0, scene.shape[1] - draw_w + 1)
    img = scene[:, x0:x0 + draw_w] * np.float32(rng.uniform(0.9, 1.1))
    rows, cols = _grid(draw_h, draw_w)

    person_h = draw_h * scale * identity.height * rng.uniform(0.96, 1.04)
    top_px = draw_h * (top + rng.normal(0, 0.02)) + draw_h * scale * (1 - identity.height)
    centre_px = draw_w * (0.5 + shift + rng.normal(0, 0.04))
    lean = np.float32(rng.normal(0, 0.05))
    v = (rows - np.float32(top_px)) / np.float32(person_h)
    u = (cols - np.float32(centre_px)) / np.float32(person_h) + lean * (1 - v)
    view = rng.choice(3, p=camera.view_p)
    _draw_person(img, u, v, identity, view, rng)
    if kind == _PERSON and rng.random() < camera.occlusion_p:
        _occlude(img, rng, _palette(style_seed))
    return _photometrics(img, camera, rng, height, width), camera.quality


def _draw_person(img: np.ndarray, u: np.ndarray, v: np.ndarray, ident: _Identity, view: int,
                 rng: np.random.Generator) -> None:
    """Paint a person in body coordinates: ``v`` is 0 at the top of the head and 1 at the
    soles, ``u`` is horizontal in the same unit (0 on the body axis)."""
    facing = 1 if rng.random() < 0.5 else -1
    if view == _SIDE:
        u = u * facing
    side_sign = -1 if view == _FRONT else 1  # image side of the person's right hand
    bw = ident.build * (0.68 if view == _SIDE else 1.0)
    phase = rng.uniform(-1, 1)
    spread = (0.09 if view == _SIDE else 0.03) * phase
    swing = (0.07 if view == _SIDE else 0.02) * phase
    arm_out = rng.uniform(0.0, 0.03)
    head_u = rng.normal(0, 0.008)

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
    if pattern == _PLAIN:
        pick = np.zeros(u.shape, bool)
    elif pattern == _STRIPES:
        pick = np.broadcast_to((v / period) % 1.0 < 0.45, u.shape)
    elif pattern == _CHECKS:
        pick = ((u / period) % 1.0 < 0.5) ^ ((v / period) % 1.0 < 0.5)
    else:
        pick = np.broadcast_to(v < split, u.shape)
    field = np.where(pick[..., None], second, main)
    field *= (1.0 - 0.35 * np.minimum((u / 0.16) ** 2, 1.0))[..., None]
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


def _occlude(img: np.ndarray, rng: np.random.Generator, palette: np.ndarray) -> None:
    """Cover part of the person: an object at the bottom, a passer-by at a side, or a pole."""
    h, w, _ = img.shape
    kind = rng.integers(3)
    colour = palette[rng.integers(len(palette))] * np.float32(rng.uniform(0.6, 1.1))
    if kind == 0:
        y0 = int(h * rng.uniform(0.62, 0.85))
        x0, x1 = sorted(rng.integers(0, w + 1, 2).tolist())
        x0, x1 = (0, w) if x1 - x0 < w // 3 else (x0, x1)
        img[y0:, x0:x1] = colour * np.linspace(1.1, 0.7, h - y0, dtype=np.float32)[:, None, None]
    elif kind == 1:
        width = int(w * rng.uniform(0.18, 0.4))
        x0 = 0 if rng.random() < 0.5 else w - width
        img[int(h * rng.uniform(0.1, 0.5)):, x0:x0 + width] = colour
    else:
        width = max(2, int(w * rng.uniform(0.05, 0.12)))
        x0 = int(rng.integers(w // 4, 3 * w // 4))
        img[:, x0:x0 + width] = colour * np.float32(0.5)


def _photometrics(img: np.ndarray, camera: _Camera, rng: np.random.Generator, height: int,
                  width: int) -> np.ndarray:
    """Camera lighting, saturation, colour cast, contrast, blur, noise, then the final size."""
    h, w, _ = img.shape
    rows, cols = _grid(h, w)
    gx, gy = camera.light
    img *= (1 + np.float32(gx) * (cols / w - 0.5) + np.float32(gy) * (rows / h - 0.5))[..., None]
    luma = img @ _LUMA
    img = luma[..., None] + np.float32(camera.saturation) * (img - luma[..., None])
    gain = camera.gain * np.exp(rng.normal(0, 0.04, 3)).astype(np.float32)
    img = (img * gain - 128) * np.float32(camera.contrast) + np.float32(128 + camera.brightness)
    sigma = camera.blur * h / 128 * rng.uniform(0.8, 1.2)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
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
    neutrals = np.clip(_NEUTRALS + rng.uniform(-15, 15, _NEUTRALS.shape), 0, 255)
    offset = rng.random()
    hues = [colorsys.hsv_to_rgb((offset + (i + rng.uniform(-0.2, 0.2)) / _NUM_HUES) % 1.0,
                                rng.uniform(0.45, 0.85), rng.uniform(0.4, 0.85))
            for i in range(_NUM_HUES)]
    return np.concatenate([neutrals, np.array(hues) * 255]).astype(np.float32)


def _weights(neutral_share: float) -> np.ndarray:
    n = len(_NEUTRALS)
    return np.array([neutral_share / n] * n + [(1 - neutral_share) / _NUM_HUES] * _NUM_HUES)


@lru_cache(maxsize=4096)
def _identity(seed: int, style_seed: int, pid: int) -> _Identity:
    return _make_identity(np.random.default_rng([seed, _TAG_IDENTITY, pid]), _palette(style_seed))


def _make_identity(rng: np.random.Generator, palette: np.ndarray) -> _Identity:
    """Attributes of one person; colours are indices into the shared palette."""
    n = len(palette)
    shoes = np.concatenate([_NEUTRALS[:3], palette[len(_NEUTRALS):]])
    return _Identity(
        upper=palette[rng.choice(n, 2, replace=False, p=_weights(0.5))],
        upper_pattern=int(rng.choice(4, p=[0.45, 0.2, 0.15, 0.2])),
        upper_period=float(rng.uniform(0.035, 0.07)),
        sleeve=float(rng.choice([0.45, 1.0], p=[0.4, 0.6])),
        lower=palette[rng.choice(n, 2, replace=False, p=_weights(0.8))],
        lower_pattern=int(rng.choice(4, p=[0.75, 0.05, 0.1, 0.1])),
        lower_kind=int(rng.choice(3, p=[0.65, 0.2, 0.15])),
        skin=_SKIN[rng.integers(len(_SKIN))] * np.float32(rng.uniform(0.94, 1.06)),
        hair=_HAIR[rng.choice(len(_HAIR), p=_HAIR_P)],
        long_hair=bool(rng.random() < 0.35),
        shoes=shoes[rng.choice(len(shoes), p=_weights_shoes(len(shoes)))],
        bag_kind=int(rng.choice(3, p=[0.4, 0.35, 0.25])),
        bag=palette[rng.integers(n)],
        bag_side=1 if rng.random() < 0.5 else -1,
        hat=palette[rng.integers(n)] if rng.random() < 0.15 else None,
        height=float(rng.uniform(0.9, 1.04)),
        build=float(rng.uniform(0.85, 1.2)),
    )


def _weights_shoes(n: int) -> np.ndarray:
    weights = np.full(n, 0.3 / (n - 3))
    weights[:3] = [0.4, 0.2, 0.1]
    return weights


@lru_cache(maxsize=64)
def _camera(style_seed: int, cam: int, strength: float) -> _Camera:
    rng = np.random.default_rng([style_seed, _TAG_CAMERA, cam])
    scale = rng.uniform(0.74, 0.92)
    return _Camera(
        gain=np.exp(strength * rng.normal(0, 0.22, 3)).astype(np.float32),
        saturation=float(rng.uniform(0.35, 1.15) ** strength),
        contrast=float(rng.uniform(0.65, 1.2) ** strength),
        brightness=float(strength * rng.uniform(-35, 30)),
        light=(float(strength * rng.uniform(-0.35, 0.35)),
               float(strength * rng.uniform(-0.35, 0.35))),
        blur=float(rng.uniform(0.3, 1.3)),
        noise=float(rng.uniform(2, 8)),
        quality=int(rng.integers(65, 96)),
        scale=float(scale),
        top=float(rng.uniform(0.02, 0.98 - scale)),
        shift=float(rng.uniform(-0.07, 0.07)),
        view_p=rng.dirichlet([1.5, 1.5, 1.0]),
        occlusion_p=float(rng.uniform(0.1, 0.35)),
    )


@lru_cache(maxsize=64)
def _scene(style_seed: int, cam: int, h: int, w: int) -> np.ndarray:
    """A camera's scene, twice as wide as a crop: wall, floor, structures, smooth shading."""
    rng = np.random.default_rng([style_seed, _TAG_SCENE, cam])
    sw = 2 * w
    rows, cols = _grid(h, sw)
    rows, cols = rows / h, cols / h
    horizon = rng.uniform(0.45, 0.85)
    wall, floor = rng.uniform(40, 220, (2, 3)).astype(np.float32)
    wall_mix = rng.uniform(0.2, 0.7)
    wall = wall * (1 - wall_mix) + wall.mean() * wall_mix
    scene = np.where((rows < horizon)[..., None], wall, floor) * np.ones((1, sw, 1), np.float32)
    period = rng.uniform(0.08, 0.4)
    if rng.random() < 0.5:
        texture = np.broadcast_to((cols / period) % 1.0 < 0.5, (h, sw))
    else:
        texture = np.broadcast_to((rows / period * 2) % 1.0 < 0.5, (h, sw))
    scene[texture & (rows < horizon)] *= np.float32(rng.uniform(0.8, 1.2))
    depth = np.maximum(rows - horizon, 0)
    tiles = (depth / (depth + 0.15) * 6) % 1.0 < 0.12
    scene[np.broadcast_to(tiles & (rows >= horizon), (h, sw))] *= np.float32(0.85)
    for _ in range(rng.integers(2, 6)):
        x0, x1 = np.sort(rng.uniform(0, sw / h, 2))
        y0, y1 = np.sort(rng.uniform(0, horizon + 0.1, 2))
        scene[_box(cols, rows, x0, x1, y0, y1)] = rng.uniform(30, 230, 3).astype(np.float32)
    blotches = cv2.resize(rng.normal(0, 1, (4, 8)).astype(np.float32), (sw, h),
                          interpolation=cv2.INTER_CUBIC)
    scene *= (1 + 0.12 * blotches)[..., None] * (1 + rng.uniform(-0.3, 0.3) * (rows - 0.5))[
        ..., None]
    return np.clip(scene, 0, 255).astype(np.float32)
