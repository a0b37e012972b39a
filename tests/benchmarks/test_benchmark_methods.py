"""benchmarks/benchmark_methods.py end to end on the tiny preset, with one row broken on
purpose; the presets; reading pseudo-label quality from scalars.json."""
import argparse
import json
import os
import os.path as osp
import struct
import subprocess
import sys

import pytest
from matplotlib.figure import Figure
from mmengine.config import Config

from benchmarks import benchmark_methods as tool
from benchmarks.utils.curves import (draw_label_curves, draw_metric_curves,
                                     plot_metric_and_label_curves)
from benchmarks.utils.experiments import format_table, read_label_history

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def run_benchmark(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python benchmarks/benchmark_methods.py args`` from the repository root as a user
    does, with the test process's thread share (tests/conftest.py)."""
    cmd = [sys.executable, osp.join(REPO, 'benchmarks', 'benchmark_methods.py'), *args]
    env = dict(os.environ, PYTHONPATH=REPO)
    env.setdefault('OMP_NUM_THREADS', '2')
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc


def table_rows(markdown: str) -> dict:
    """``{method: [cells]}`` of the first markdown table in ``markdown``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('| method |'))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith('|'):
            break
        cells = [c.strip() for c in line.strip('|').split('|')]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.slow(160)
def test_tiny_preset_reports_every_row_and_the_failed_one(tmp_path):
    broken = tmp_path / 'broken_config.py'
    broken.write_text("raise RuntimeError('broken on purpose')\n")
    work_dir = tmp_path / 'bench'
    proc = run_benchmark('--preset', 'tiny', '--work-dir', str(work_dir),
                         '--data-dir', str(tmp_path / 'data'),
                         '--cfg-options', f'rows.ice_agnostic.config={broken}', check=False)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    preset = Config.fromfile(osp.join(REPO, 'benchmarks', 'presets', 'tiny.py'))
    markdown = (work_dir / 'results.md').read_text()
    assert markdown.strip() in proc.stdout  # printed as written
    rows = table_rows(markdown)
    names = {key: row['name'] for key, row in preset.rows.items()}
    assert list(rows) == list(names.values())
    for key, name in names.items():
        if key == 'ice_agnostic':
            assert rows[name] == ['failed'] * 5
            continue
        values = [float(c) for c in rows[name][:4]]
        assert all(0 <= v <= 100 for v in values), (name, rows[name])
        assert rows[name][4] == '-' if preset.rows[key]['kind'] == 'test' else \
            rows[name][4].endswith(' min')
    assert 'broken_config.py' in markdown and 'logs/ice_agnostic.log' in markdown
    assert ' min in all.' in markdown and 'reused' not in markdown
    assert (work_dir / 'map_curves.png').read_bytes().startswith(PNG_SIGNATURE)
    results = {r['key']: r for r in json.loads((work_dir / 'results.json').read_text())['rows']}
    assert results['ice_agnostic']['metrics'] is None
    for key in ('torchreid', 'supervised_ce', 'supervised', 'mmcl', 'ice', 'transfer', 'mmcl_da',
                'ice_da'):
        assert [h['epoch'] for h in results[key]['history']] == [1], key
    assert 'load_from=' in results['mmcl_da']['command']
    # Pseudo-label quality of the unsupervised rows (the labels used in the one epoch).
    for key, source in (('mmcl', 'mplp'), ('mmcl_da', 'mplp'), ('ice', 'clustering'),
                        ('ice_da', 'clustering')):
        labels = results[key]['label_history']
        assert [(h['epoch'], h['source']) for h in labels] == [(1, source)], (key, labels)
        values = [labels[0]['recall'], labels[0]['precision']]
        if source == 'clustering':
            assert None not in values, (key, labels)
        assert all(0 <= v <= 100 for v in values if v is not None), (key, labels)
    for key in ('untrained', 'torchreid', 'supervised', 'transfer', 'ice_agnostic'):
        assert results[key]['label_history'] == [], key
    png = (work_dir / 'map_curves.png').read_bytes()
    width, height = struct.unpack('>II', png[16:24])
    assert width > 2.5 * height  # two panels side by side

    # --reuse keeps every row that finished with the same command, without training it again;
    # the failed row runs (and fails) again.
    checkpoints = {key: sorted(p.stat().st_mtime_ns for p in (work_dir / key).glob('*.pth'))
                   for key in results}
    again = run_benchmark('--preset', 'tiny', '--work-dir', str(work_dir),
                          '--data-dir', str(tmp_path / 'data'), '--reuse',
                          '--cfg-options', f'rows.ice_agnostic.config={broken}', check=False)
    assert again.returncode == 1
    assert again.stdout.count('kept from the earlier run') == len(results) - 1, again.stdout
    # The total counts the kept rows' own times, not just this short invocation.
    assert 'this invocation' in (work_dir / 'results.md').read_text()
    kept = {r['key']: r for r in json.loads((work_dir / 'results.json').read_text())['rows']}
    for key in results:
        assert sorted(p.stat().st_mtime_ns for p in (work_dir / key).glob('*.pth')) == \
            checkpoints[key], key
        if key != 'ice_agnostic':
            assert kept[key]['metrics'] == results[key]['metrics'], key
    # A row whose command changed (another config file) runs again, and so does a row that
    # starts from it.
    transfer = tmp_path / 'transfer_copy.py'
    transfer.write_text(f"_base_ = ['{osp.join(REPO, preset.rows.transfer.config)}']\n")
    changed = run_benchmark('--preset', 'tiny', '--work-dir', str(work_dir),
                            '--data-dir', str(tmp_path / 'data'), '--reuse', '--rows',
                            'transfer,mmcl_da,untrained', '--cfg-options',
                            f'rows.transfer.config={transfer}')
    assert changed.stdout.count('kept from the earlier run') == 1, changed.stdout
    assert "Row 'untrained': kept" in changed.stdout


def write_scalars(run_dir, entries):
    (run_dir / 'vis_data').mkdir(parents=True)
    (run_dir / 'vis_data' / 'scalars.json').write_text(
        ''.join(json.dumps(e) + '\n' for e in entries))


def test_read_label_history_of_ice_clusters(tmp_path):
    def clusters(step, precision, recall, num_clusters=5):
        return {'pseudo_labels/num_clusters': num_clusters, 'pseudo_labels/num_outliers': 3,
                'pseudo_labels/precision': precision, 'pseudo_labels/recall': recall,
                'pseudo_labels/fscore': 0.5, 'pseudo_labels/nmi': 0.7, 'step': step}
    train = {'lr': 1e-4, 'loss': 3.0, 'epoch': 1, 'iter': 2, 'step': 2}
    write_scalars(tmp_path / '20240101_000000', [clusters(0, 0.9, 0.9)])  # an older run
    write_scalars(tmp_path / '20240102_000000', [
        clusters(0, 0.25, 0.5), train, {'mAP': 10.0, 'rank1': 1, 'rank5': 2, 'rank10': 3,
                                        'step': 1},
        clusters(1, 0.5, 0.75), dict(train, epoch=2, iter=4, step=4),
        clusters(2, 0.0, 0.0, num_clusters=0)])
    assert read_label_history(str(tmp_path)) == [
        dict(epoch=1, source='clustering', precision=25.0, recall=50.0),
        dict(epoch=2, source='clustering', precision=50.0, recall=75.0),
        dict(epoch=3, source='clustering', precision=None, recall=0.0)]


def test_read_label_history_of_mmcl_batches(tmp_path):
    def line(epoch, it, precision, recall, num_positives=3.5):
        return {'lr': 0.01, 'loss': 5.0, 'num_positives': num_positives,
                'mplp_precision': precision, 'mplp_recall': recall, 'time': 1.0,
                'epoch': epoch, 'iter': it, 'step': it}
    write_scalars(tmp_path / '20240101_000000', [
        line(1, 5, 0.0, 0.0, num_positives=1.0), line(1, 10, 0.0, 0.0, num_positives=1.0),
        {'mAP': 5.0, 'rank1': 1, 'rank5': 2, 'rank10': 3, 'step': 1},
        line(2, 15, 60.0, 10.0), line(2, 20, 80.0, 30.0, num_positives=1.0),
        line(2, 25, 70.0, 20.0)])
    assert read_label_history(str(tmp_path)) == [
        dict(epoch=1, source='mplp', precision=None, recall=0.0),
        dict(epoch=2, source='mplp', precision=65.0, recall=20.0)]
    assert read_label_history(str(tmp_path / 'missing')) == []


def test_format_table_marks_failed_rows():
    table = format_table([
        dict(name='ok', metrics=dict(mAP=12.34, rank1=1, rank5=2, rank10=3), train_s=90),
        dict(name='untrained', metrics=dict(mAP=1, rank1=1, rank5=2, rank10=3), train_s=None),
        dict(name='broken', metrics=None, train_s=None)])
    lines = table.splitlines()
    assert lines[2] == '| ok | 12.3 | 1.0 | 2.0 | 3.0 | 1.5 min |'
    assert lines[3].endswith('| 3.0 | - |')
    assert lines[4] == '| broken | failed | failed | failed | failed | failed |'


@pytest.mark.parametrize('name', ['tiny', 'medium', 'market', 'lite0'])
def test_every_preset_and_row_config_loads(name):
    args = argparse.Namespace(preset=name, cfg_options=None, data_dir=None, pretrained=None)
    preset = tool.load_preset(args)
    assert set(preset.domains) >= {'target'}
    for key, row in preset.rows.items():
        cfg = Config.fromfile(osp.join(REPO, row['config']))
        if row['kind'] == 'torchreid':
            assert {'data', 'model', 'optimizer', 'max_epochs'} <= set(cfg), key
        else:
            assert cfg.model.type in ('Supervised', 'MMCL', 'ICE'), key
            assert cfg.train_cfg.max_epochs >= 1, key
        assert row.get('train_domain', 'target') in preset.domains, key


def test_lite0_is_the_default_preset_and_keeps_the_configs_imagenet_weights(monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['benchmark_methods.py'])
    args = tool.parse_args()
    assert args.preset == 'lite0'
    preset = tool.load_preset(args)
    assert preset.pretrained is None
    assert preset.domains.target.generate == dict(preset='small_wide', seed=0, style_seed=0)
    assert preset.domains.source.generate == dict(preset='small', seed=1, style_seed=1)
    domains = {name: dict(root=osp.join(preset.data_dir, d.folder), source=d.source)
               for name, d in preset.domains.items()}
    for key, row in preset.rows.items():
        if row.get('load_from'):
            continue  # needs the checkpoint of another row
        cmd = tool.row_command(key, row, preset, 'work', domains, {})
        assert not any('pretrained' in a or 'checkpoint_path' in a for a in cmd), (key, cmd)
        cfg = Config.fromfile(osp.join(REPO, row['config']))
        assert cfg.model.backbone.pretrained is True, key
    # the split-BN row trains the backbone's statistics too, as the authors did
    four_bn = tool.row_command('ice_four_bn', preset.rows.ice_four_bn, preset, 'work', domains,
                               {})
    assert 'model.bn_groups=4' in four_bn and 'model.backbone.norm_eval=False' in four_bn
    # --pretrained FILE reaches TIMMBackbone as a weight file.
    args.pretrained = 'weights.pth'
    preset = tool.load_preset(args)
    cmd = tool.row_command('ice', preset.rows.ice, preset, 'work', domains, {})
    assert 'model.backbone.checkpoint_path=weights.pth' in cmd


def test_metric_and_label_curves_share_colours_across_the_two_panels(tmp_path):
    curves = {'supervised': [(2, 40.0), (4, 60.0)], 'MMCL': [(3, 10.0)], 'untrained': []}
    labels = {'MMCL': [(1, None, 0.0), (2, 45.0, 20.0)]}
    out = plot_metric_and_label_curves(curves, labels, str(tmp_path / 'a' / 'curves.png'),
                                       references={'untrained': 5.0})
    assert open(out, 'rb').read().startswith(PNG_SIGNATURE)
    fig = Figure()
    left, right = fig.subplots(1, 2)
    colors = {'supervised': 'C0', 'MMCL': 'C1'}
    draw_metric_curves(left, curves, colors=colors)
    draw_label_curves(right, labels, colors=colors)
    assert [line.get_color() for line in left.get_lines()] == ['C0', 'C1']
    # MMCL: precision (solid) from epoch 2 only, recall (dashed) at both epochs.
    assert [(line.get_color(), line.get_linestyle(), list(line.get_xdata()))
            for line in right.get_lines()] == [('C1', '-', [2]), ('C1', '--', [1, 2])]
    assert [t.get_text() for t in right.get_legend().get_texts()] == ['MMCL', 'precision',
                                                                       'recall']
    draw_label_curves(fig.add_subplot(), {})  # no unsupervised row: an empty panel
