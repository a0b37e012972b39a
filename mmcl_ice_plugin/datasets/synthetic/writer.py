"""Writing a dataset: the parameters' checks, the drawing of every file (in worker processes
if asked), and the summary that marks a complete dataset."""
import json
import shutil
import time
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Optional

import cv2
import numpy as np

from .plan import MAX_CAMS, MAX_PID, SPLIT_DIRS, Job, count_jobs, plan_jobs
from .render import render_image

SUMMARY_FILE = 'synthetic_reid.json'
GENERATOR_VERSION = 2
"""Stored in the summary; a dataset drawn by another version counts as absent (it is redrawn)."""


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
                        camera_coverage: float = 0.62,
                        walk_len: int = 5,
                        split_walks: float = 0.5,
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
        root (str): Folder that receives ``bounding_box_train/``, ``query/``,
            ``bounding_box_test/`` and ``synthetic_reid.json`` (this summary; written last, it
            marks a complete dataset). For torchreid's ``Market1501(root=R)`` use
            ``R/market1501``.
        num_ids_train (int): Identities in ``bounding_box_train``. Defaults to 50.
        num_ids_test (int): Identities in ``query`` and ``bounding_box_test``. Defaults to 50.
        num_cams (int): Cameras, 2..6. Defaults to 6.
        imgs_per_id_cam (float): Mean number of train (or gallery) images of an identity in a
            camera it visits, at least 1. Defaults to 3.0.
        num_distractors (int): Gallery images with pid ``0000``. Defaults to 50.
        num_junk (int): Gallery images with pid ``-1``. Defaults to 20.
        height (int): Image height in pixels; images taller than 128 are drawn at 128 and
            upscaled. Defaults to 128.
        width (int): Image width in pixels. Defaults to 64.
        seed (int): Identities, their attributes, camera visits, walks, poses and file names.
            Defaults to 0.
        style_seed (int): The domain: cameras, scenes and the clothing palette. Two datasets
            with different style seeds differ like two real datasets do. Defaults to 0.
        camera_strength (float): Scale of how far each camera's white balance, saturation,
            contrast, exposure and lighting depart from neutral: 0 leaves scenes, blur,
            resolution and noise to tell cameras apart, 1 is moderate, like real cameras.
            Defaults to 1.0.
        camera_coverage (float): Probability that an identity visits each camera beyond its
            first two; lower values leave each camera a more different subset of people.
            Defaults to 0.62 (about 4.5 of 6 cameras).
        walk_len (int): Frames per walk at most (a visit with more images than two walks
            hold gets more walks). Defaults to 5.
        split_walks (float): Probability that a visit of 3 or more images comes from two
            walks; 0 makes every visit one tracklet of near-identical frames. Defaults to 0.5.
        num_workers (int): Worker processes; 0 or 1 draws in this process. The files do not
            depend on it. Defaults to 0.
        overwrite (bool): Delete existing split folders first; otherwise existing images are
            an error. Defaults to False.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        dict[str, Any]: The summary also stored in ``root/synthetic_reid.json``: the
        parameters above, the ``generator_version``, the image counts ``train``, ``query``,
        ``gallery`` (pid >= 0, what torchreid loads, distractors included), ``distractors``,
        ``junk``, the identity counts ``num_train_ids``, ``num_test_ids``, ``num_train_cams``,
        the number of walks ``train_walks`` and ``seconds`` (drawing time).

    Raises:
        ValueError: A parameter out of range (the message says which and why).
        FileExistsError: ``root`` already holds split images and ``overwrite`` is False.
    """
    params = dict(num_ids_train=num_ids_train, num_ids_test=num_ids_test, num_cams=num_cams,
                  imgs_per_id_cam=float(imgs_per_id_cam), num_distractors=num_distractors,
                  num_junk=num_junk, height=height, width=width, seed=seed,
                  style_seed=style_seed, camera_strength=float(camera_strength),
                  camera_coverage=float(camera_coverage), walk_len=walk_len,
                  split_walks=float(split_walks))
    _check_params(params)
    root_path = Path(root)
    _prepare_root(root_path, overwrite)
    jobs = plan_jobs(**{k: params[k] for k in ('num_ids_train', 'num_ids_test', 'num_cams',
                                               'imgs_per_id_cam', 'num_distractors',
                                               'num_junk', 'seed', 'camera_coverage',
                                               'walk_len', 'split_walks')})
    start = time.perf_counter()
    render = partial(render_image, seed=seed, style_seed=style_seed,
                     camera_strength=float(camera_strength), height=height, width=width)
    _draw_all(jobs, root_path, render, num_workers, progress)
    summary = dict(params, generator_version=GENERATOR_VERSION, **count_jobs(jobs),
                   seconds=round(time.perf_counter() - start, 3))
    (root_path / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + '\n')
    return summary


def read_summary(root: str) -> Optional[dict[str, Any]]:
    """The summary of the complete synthetic dataset under ``root``, or None.

    Complete means ``synthetic_reid.json`` exists, was written by this
    :data:`GENERATOR_VERSION`, and every split folder holds exactly the number of images it
    records (an interrupted run is not complete).

    Args:
        root (str): The dataset folder.
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
    """Raise ``ValueError`` naming every parameter out of range."""
    n_ids = params['num_ids_train'] + params['num_ids_test']
    problems = []
    if params['num_ids_train'] < 1 or params['num_ids_test'] < 1:
        problems.append('num_ids_train and num_ids_test must be >= 1')
    if n_ids > MAX_PID:
        problems.append(f'num_ids_train + num_ids_test = {n_ids} exceeds {MAX_PID}, the largest '
                        "pid torchreid's Market1501 parser accepts")
    if not 2 <= params['num_cams'] <= MAX_CAMS:
        problems.append(f'num_cams = {params["num_cams"]} must be in 2..{MAX_CAMS} '
                        '(identities visit >= 2 cameras; Market-1501 names allow 1..6)')
    if params['imgs_per_id_cam'] < 1:
        problems.append('imgs_per_id_cam must be >= 1')
    if params['num_distractors'] < 0 or params['num_junk'] < 0:
        problems.append('num_distractors and num_junk must be >= 0')
    if params['height'] < 32 or params['width'] < 16:
        problems.append('height must be >= 32 and width >= 16')
    if params['camera_strength'] < 0:
        problems.append('camera_strength must be >= 0')
    if not 0 <= params['camera_coverage'] <= 1 or not 0 <= params['split_walks'] <= 1:
        problems.append('camera_coverage and split_walks are probabilities, in 0..1')
    if params['walk_len'] < 1:
        problems.append('walk_len must be >= 1')
    if problems:
        raise ValueError('make_synthetic_reid: ' + '; '.join(problems))


def _prepare_root(root: Path, overwrite: bool) -> None:
    """Create the split folders, emptied with ``overwrite``; remove a stale summary."""
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


def _draw_all(jobs: list[Job], root: Path, render: Callable[..., tuple[np.ndarray, int]],
              num_workers: int, progress: bool) -> None:
    """Draw and write every job, in chunks, in this process or in ``num_workers`` processes.

    Args:
        jobs (list[Job]): The files.
        root (Path): The dataset folder.
        render (Callable): :func:`render_image` with its keyword arguments bound.
        num_workers (int): Worker processes; 0 or 1 draws in this process.
        progress (bool): Show a progress bar.
    """
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


def _write_chunk(jobs: list[Job], root: str, render: Callable[..., tuple[np.ndarray, int]]
                 ) -> int:
    """Draw and write ``jobs`` as JPEG files under ``root``; returns how many."""
    for job in jobs:
        rgb, quality = render(job.kind, job.key, job.cam, job.index, job.walk, job.step)
        path = f'{root}/{job.path}'
        if not cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f'cannot write {path}: check that the folder is writable')
    return len(jobs)
