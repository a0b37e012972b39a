"""Which files a dataset holds: people, their camera visits and walks, frame numbers and
Market-1501 file names in the three splits.

A file name is ``0001_c1s1_000151_00.jpg``: 4-digit pid, camera 1..6, sequence, 6-digit frame.
The images of an identity in a camera come from 1-2 short walks of a few consecutive frames
(more for long visits).
"""
import math
from typing import NamedTuple

import numpy as np

from .keys import DISTRACTOR, JUNK, PERSON, TAG_DISTRACTORS, TAG_JUNK, TAG_PIDS, TAG_PLAN

SPLIT_DIRS = {'train': 'bounding_box_train', 'query': 'query', 'gallery': 'bounding_box_test'}
MAX_PID = 1501  # torchreid's Market1501 parser asserts 0 <= pid <= 1501
MAX_CAMS = 6  # ... and 1 <= camid <= 6


class Job(NamedTuple):
    """One file to draw.

    Args:
        path (str): Path relative to the dataset root.
        kind (int): ``PERSON``, ``DISTRACTOR`` or ``JUNK``.
        key (int): The pid of a person, the running number of the others.
        cam (int): Camera, 1-based.
        index (int): Number of a person's image in that camera.
        walk (int): The walk (tracklet) the image belongs to.
        step (int): The image's frame in that walk.
    """
    path: str
    kind: int
    key: int
    cam: int
    index: int
    walk: int
    step: int


def _walk_sizes(n: int, rng: np.random.Generator, walk_len: int, split_walks: float
                ) -> list[int]:
    """Split a visit's ``n`` images into walks: one, or two with probability ``split_walks``
    from 3 images, and as many as keep a walk at most ``walk_len`` frames long."""
    walks = max(math.ceil(n / walk_len), 1 + int(n >= 3 and rng.random() < split_walks))
    return [n // walks + int(i < n % walks) for i in range(walks)]


def plan_jobs(num_ids_train: int, num_ids_test: int, num_cams: int, imgs_per_id_cam: float,
              num_distractors: int, num_junk: int, seed: int, camera_coverage: float = 0.62,
              walk_len: int = 5, split_walks: float = 0.5) -> list[Job]:
    """Every file to write, in a fixed order that depends on ``seed`` and the counts only.

    Args:
        num_ids_train (int): Identities in the train split.
        num_ids_test (int): Identities in the query and gallery splits.
        num_cams (int): Cameras, 2..6.
        imgs_per_id_cam (float): Mean number of train (or gallery) images of an identity in a
            camera it visits.
        num_distractors (int): Gallery images with pid ``0000``.
        num_junk (int): Gallery images with pid ``-1``.
        seed (int): Identities, camera visits, walks and file names.
        camera_coverage (float): Probability that an identity visits each camera beyond its
            first two. Defaults to 0.62 (about 4.5 of 6 cameras).
        walk_len (int): Frames per walk at most, unless a visit has more images than two
            walks hold. Defaults to 5.
        split_walks (float): Probability that a visit of 3 or more images comes from two
            walks instead of one. Defaults to 0.5.
    """
    pids = np.random.default_rng([seed, TAG_PIDS]).permutation(
        np.arange(1, num_ids_train + num_ids_test + 1))
    jobs = []
    for is_test, split_pids in ((False, pids[:num_ids_train]), (True, pids[num_ids_train:])):
        for pid in np.sort(split_pids).tolist():
            rng = np.random.default_rng([seed, TAG_PLAN, pid])
            n_cams = 2 + rng.binomial(num_cams - 2, camera_coverage)
            for cam in (np.sort(rng.choice(num_cams, n_cams, replace=False)) + 1).tolist():
                n = 1 + rng.poisson(imgs_per_id_cam - 1) + int(is_test)
                query_slot = rng.integers(n) if is_test else -1
                index = 0
                for walk, size in enumerate(_walk_sizes(n, rng, walk_len, split_walks)):
                    seq = int(rng.integers(1, 7))
                    frames = rng.integers(0, 150_000) + np.cumsum(rng.integers(4, 16, size))
                    for step, frame in enumerate(frames.tolist()):
                        split = (('query' if index == query_slot else 'gallery') if is_test
                                 else 'train')
                        name = f'{pid:04d}_c{cam}s{seq}_{frame:06d}_00.jpg'
                        jobs.append(Job(f'{SPLIT_DIRS[split]}/{name}', PERSON, pid, cam,
                                        index, walk, step))
                        index += 1
    for kind, tag, pid, count in ((DISTRACTOR, TAG_DISTRACTORS, '0000', num_distractors),
                                  (JUNK, TAG_JUNK, '-1', num_junk)):
        rng = np.random.default_rng([seed, tag])
        cams = rng.integers(1, num_cams + 1, count).tolist()
        seqs = rng.integers(1, 7, count).tolist()
        frames = rng.choice(1_000_000, count, replace=False).tolist()
        for i, (cam, seq, frame) in enumerate(zip(cams, seqs, frames)):
            name = f'{pid}_c{cam}s{seq}_{frame:06d}_00.jpg'
            jobs.append(Job(f'{SPLIT_DIRS["gallery"]}/{name}', kind, i, cam, 0, 0, 0))
    return jobs


def count_jobs(jobs: list[Job]) -> dict[str, int]:
    """The counts a summary records.

    Args:
        jobs (list[Job]): The files, from :func:`plan_jobs`.

    Returns:
        dict[str, int]: Images ``train``, ``query``, ``gallery`` (distractors included),
        ``distractors`` and ``junk``; ``num_train_ids``, ``num_test_ids``, ``num_train_cams``
        and ``train_walks``.
    """
    split_of = {folder: split for split, folder in SPLIT_DIRS.items()}
    counts = dict(train=0, query=0, gallery=0, distractors=0, junk=0)
    train_ids, test_ids, train_cams, train_walks = set(), set(), set(), set()
    for job in jobs:
        split = split_of[job.path.split('/')[0]]
        if job.kind == JUNK:
            counts['junk'] += 1
            continue
        counts[split] += 1
        if job.kind == DISTRACTOR:
            counts['distractors'] += 1
        elif split == 'train':
            train_ids.add(job.key)
            train_cams.add(job.cam)
            train_walks.add((job.key, job.cam, job.walk))
        else:
            test_ids.add(job.key)
    return dict(counts, num_train_ids=len(train_ids), num_test_ids=len(test_ids),
                num_train_cams=len(train_cams), train_walks=len(train_walks))
