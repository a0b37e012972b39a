import filecmp
import hashlib
import json
import os
import os.path as osp
import re
import shutil
import warnings

import numpy as np
import pytest
from PIL import Image
from torchreid.reid.data.datasets.image.market1501 import Market1501

from mmcl_ice_plugin.datasets import PRESETS, make_synthetic_reid
from mmcl_ice_plugin.datasets.synthetic import GENERATOR_VERSION, SUMMARY_FILE, read_summary
from mmcl_ice_plugin.datasets.synthetic import render as render_module
from mmcl_ice_plugin.datasets.synthetic.plan import plan_jobs

NAME = re.compile(r'^(-1|\d{4})_c([1-6])s(\d)_(\d{6})_(\d{2})\.jpg$')
SPLITS = ('bounding_box_train', 'query', 'bounding_box_test')
# SHA-256 of the images of the 'tiny' preset with seed 0 and style seed 0 (tree_digest), drawn
# by GENERATOR_VERSION 2 with the numpy and opencv-python of requirements/constraints.txt.
# When the drawing changes on purpose, bump GENERATOR_VERSION and update both together.
TINY_VERSION = 2
TINY_DIGEST = '1a92a77adf50e4c7fd9402a69caaf0d9820c2cee9c5846eadc83fcdbe6365c1a'


def listing(root):
    return {s: sorted(os.listdir(osp.join(root, s))) for s in SPLITS}


def same_files(root_a, root_b):
    for split in SPLITS:
        names = os.listdir(osp.join(root_a, split))
        if sorted(names) != sorted(os.listdir(osp.join(root_b, split))):
            return False
        _, mismatch, errors = filecmp.cmpfiles(osp.join(root_a, split), osp.join(root_b, split),
                                               names, shallow=False)
        if mismatch or errors:
            return False
    return True


def tree_digest(root):
    """SHA-256 over every image of the three splits: relative path, size and bytes, in path
    order (the summary, which holds the drawing time, is left out)."""
    digest = hashlib.sha256()
    for split in SPLITS:
        for name in sorted(os.listdir(osp.join(root, split))):
            with open(osp.join(root, split, name), 'rb') as f:
                data = f.read()
            digest.update(f'{split}/{name}\0{len(data)}\0'.encode())
            digest.update(data)
    return digest.hexdigest()


def test_the_tiny_preset_draws_the_recorded_bytes(tiny_market):
    assert GENERATOR_VERSION == TINY_VERSION, 'record the new version\'s TINY_DIGEST too'
    assert tree_digest(tiny_market) == TINY_DIGEST, (
        'the generator draws other bytes than GENERATOR_VERSION did: a change of the drawing '
        '(bump GENERATOR_VERSION and TINY_DIGEST) or of numpy / opencv-python (see '
        'requirements/constraints.txt)')


def test_exact_market_layout_and_names(tiny_market):
    files = listing(tiny_market)
    for split, names in files.items():
        assert names and all(NAME.match(n) for n in names), split
    with Image.open(osp.join(tiny_market, 'query', files['query'][0])) as img:
        assert img.format == 'JPEG' and img.size == (64, 128) and img.mode == 'RGB'
    train_ids = {n[:4] for n in files['bounding_box_train']}
    test_ids = {n[:4] for n in files['query']}
    assert not train_ids & test_ids  # disjoint people
    assert {n[:4] for n in files['bounding_box_test']} >= test_ids | {'0000'}


def test_torchreid_market1501_parser_loads_it_unchanged(tiny_market, tmp_path):
    (tmp_path / 'market1501').mkdir()
    os.symlink(tiny_market, tmp_path / 'market1501' / 'Market-1501-v15.09.15')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        data = Market1501(root=str(tmp_path), verbose=False)
    summary = read_summary(tiny_market)
    assert len(data.train) == summary['train']
    assert len(data.query) == summary['query']
    assert len(data.gallery) == summary['gallery']
    assert data.num_train_pids == summary['num_train_ids'] == PRESETS['tiny']['num_ids_train']
    assert data.num_train_cams == summary['num_train_cams']


def test_every_query_has_a_gallery_match_in_another_camera(tiny_market):
    files = listing(tiny_market)
    gallery = {(n[:4], n.split('_')[1][1]) for n in files['bounding_box_test']}
    for name in files['query']:
        pid, cam = name[:4], name.split('_')[1][1]
        assert any(g_pid == pid and g_cam != cam for g_pid, g_cam in gallery), name


def test_each_identity_visits_at_least_two_cameras(tiny_market):
    names = listing(tiny_market)['bounding_box_train']
    cams = {}
    for n in names:
        cams.setdefault(n[:4], set()).add(n.split('_')[1][1])
    assert min(len(c) for c in cams.values()) >= 2


def test_deterministic_per_seed(tmp_path, tiny_market):
    again = str(tmp_path / 'again')
    make_synthetic_reid(again, seed=0, **PRESETS['tiny'])
    assert same_files(again, tiny_market)
    other = str(tmp_path / 'other')
    make_synthetic_reid(other, seed=1, **PRESETS['tiny'])
    assert listing(other) != listing(tiny_market)


def test_files_do_not_depend_on_the_number_of_workers(tmp_path, tiny_market):
    parallel = str(tmp_path / 'parallel')
    make_synthetic_reid(parallel, seed=0, num_workers=2, **PRESETS['tiny'])
    assert same_files(parallel, tiny_market)


def test_camera_strength_neutralises_cameras_and_defaults_to_one(tmp_path, tiny_market):
    neutral = str(tmp_path / 'neutral')
    summary = make_synthetic_reid(neutral, seed=0, camera_strength=0.0, **PRESETS['tiny'])
    assert summary['camera_strength'] == 0.0 and read_summary(tiny_market)['camera_strength'] == 1
    assert listing(neutral) == listing(tiny_market) and not same_files(neutral, tiny_market)


def test_style_seed_changes_the_domain_not_the_people(tmp_path, tiny_market):
    styled = str(tmp_path / 'styled')
    make_synthetic_reid(styled, seed=0, style_seed=1, **PRESETS['tiny'])
    assert listing(styled) == listing(tiny_market)
    name = listing(styled)['query'][0]
    a = np.asarray(Image.open(osp.join(styled, 'query', name)), dtype=np.float32)
    b = np.asarray(Image.open(osp.join(tiny_market, 'query', name)), dtype=np.float32)
    assert np.abs(a - b).mean() > 5


def test_refuses_to_overwrite_and_checks_parameters(tmp_path, tiny_market):
    with pytest.raises(FileExistsError, match='overwrite'):
        make_synthetic_reid(tiny_market, seed=0, **PRESETS['tiny'])
    with pytest.raises(ValueError, match='num_cams'):
        make_synthetic_reid(str(tmp_path / 'x'), num_cams=7)
    with pytest.raises(ValueError, match='camera_coverage and split_walks'):
        make_synthetic_reid(str(tmp_path / 'x'), split_walks=1.5)
    with pytest.raises(ValueError, match='walk_len'):
        make_synthetic_reid(str(tmp_path / 'x'), walk_len=0)


def test_a_set_drawn_by_another_generator_version_counts_as_absent(tmp_path, tiny_market):
    root = tmp_path / 'old'
    shutil.copytree(tiny_market, root)
    summary = json.loads((root / SUMMARY_FILE).read_text())
    assert read_summary(str(root)) == summary
    summary['generator_version'] = GENERATOR_VERSION - 1
    (root / SUMMARY_FILE).write_text(json.dumps(summary))
    assert read_summary(str(root)) is None


def test_visits_are_walks_of_consecutive_frames():
    jobs = [j for j in plan_jobs(40, 10, 6, 3.85, 0, 0, seed=0) if j.kind == 0]
    visits = {}
    for job in jobs:
        visits.setdefault((job.key, job.cam), []).append(job)
    sizes = []
    for visit in visits.values():
        walks = {}
        for job in visit:
            walks.setdefault(job.walk, []).append(job)
        assert sorted(walks) == list(range(len(walks)))
        for frames in walks.values():
            assert [j.step for j in frames] == list(range(len(frames)))
            names = [osp.basename(j.path).split('_') for j in frames]
            numbers = [int(n[2]) for n in names]
            assert len({n[1] for n in names}) == 1  # one camera and sequence
            assert all(0 < b - a < 16 for a, b in zip(numbers, numbers[1:]))
            sizes.append(len(frames))
        assert len(walks) <= max(2, -(-len(visit) // 5))
    sizes = np.array(sizes)
    assert sizes.max() <= 5 and (sizes >= 2).mean() > 0.6  # mostly walks of 2-5 frames


@pytest.fixture
def drawn_people(monkeypatch):
    """Render images and record, for the main person of each, the scene behind it and the
    pixels its drawing painted (at the drawing size, before the camera's photometrics)."""
    records = []
    draw = render_module.draw_person

    def recording(img, *args):
        before = img.copy()
        draw(img, *args)
        records.append((before, (img != before).any(-1)))

    monkeypatch.setattr(render_module, 'draw_person', recording)

    def render(pid, cam, index, walk, step):
        records.clear()
        render_module.render_image(0, pid, cam, index, walk, step, seed=0, style_seed=0,
                                   camera_strength=1.0, height=128, width=64)
        return records[-1]  # the main person is drawn last
    return render


def test_identities_fill_the_box(drawn_people):
    heights, torso_widths = [], []
    for pid in range(1, 31):
        _, mask = drawn_people(pid, 1, 0, 0, 0)
        rows = np.flatnonzero(mask.any(1))
        heights.append((rows[-1] - rows[0] + 1) / mask.shape[0])
        torso_row = mask[rows[0] + int(0.35 * (rows[-1] - rows[0]))]
        torso_widths.append(torso_row.sum() / mask.shape[1])
    heights, torso_widths = np.array(heights), np.array(torso_widths)
    assert heights.min() >= 0.82 and heights.max() <= 0.97
    assert np.median(torso_widths) >= 0.5


def test_frames_of_a_walk_share_their_background_and_people_do_not(drawn_people):
    same_walk, other_people = [], []
    for pid in range(1, 21):
        first, mask_a = drawn_people(pid, 2, 0, 0, 0)
        second, mask_b = drawn_people(pid, 2, 1, 0, 1)
        other, mask_c = drawn_people(pid + 20, 2, 0, 0, 0)
        free = ~(mask_a | mask_b | mask_c)
        same_walk.append(np.abs(first - second)[free].mean())
        other_people.append(np.abs(first - other)[free].mean())
    assert np.median(same_walk) < 0.3 * np.median(other_people)


def test_camera_coverage_and_walk_options_shape_the_visits():
    def visits(**options):
        jobs = [j for j in plan_jobs(60, 10, 6, 4.0, 0, 0, seed=0, **options) if j.kind == 0]
        cams, walks = {}, {}
        for job in jobs:
            cams.setdefault(job.key, set()).add(job.cam)
            walks.setdefault((job.key, job.cam), set()).add(job.walk)
        sizes = {}
        for job in jobs:
            sizes[(job.key, job.cam)] = sizes.get((job.key, job.cam), 0) + 1
        return cams, walks, sizes

    cams, _, _ = visits(camera_coverage=0.0)
    assert {len(c) for c in cams.values()} == {2}
    cams, _, _ = visits(camera_coverage=1.0)
    assert {len(c) for c in cams.values()} == {6}
    _, walks, sizes = visits(split_walks=0.0, walk_len=8)
    assert all(len(walks[v]) == -(-sizes[v] // 8) for v in walks)
    _, walks, sizes = visits(split_walks=1.0, walk_len=8)
    assert all(len(walks[v]) == max(-(-sizes[v] // 8), 1 + (sizes[v] >= 3)) for v in walks)
    assert visits() == visits(camera_coverage=0.62, walk_len=5, split_walks=0.5)
