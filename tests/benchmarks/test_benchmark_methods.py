"""benchmarks/benchmark_methods.py end to end on the tiny preset, with one row broken on
purpose, and on two tiny target domains; the presets; reading pseudo-label quality and the
clusters' camera view from scalars.json; the curves' panels."""
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
from benchmarks.utils import curves as curves_module
from benchmarks.utils.curves import (draw_camera_curves, draw_label_curves, draw_metric_curves,
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
        view = [labels[0][k] for k in ('single_camera', 'clusters_per_identity',
                                        'cameras_per_identity')]
        if source == 'clustering':
            assert None not in values + view, (key, labels)
            assert 0 <= view[0] <= 100 and view[1] >= 1 and view[2] >= 1, (key, labels)
        else:
            assert view == [None] * 3, (key, labels)
        assert all(0 <= v <= 100 for v in values if v is not None), (key, labels)
    for key in ('untrained', 'torchreid', 'supervised', 'transfer', 'ice_agnostic'):
        assert results[key]['label_history'] == [], key
    png = (work_dir / 'map_curves.png').read_bytes()
    width, height = struct.unpack('>II', png[16:24])
    assert width > 4 * height  # three panels side by side

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
    no_view = dict(single_camera=None, clusters_per_identity=None, cameras_per_identity=None)
    assert read_label_history(str(tmp_path)) == [
        dict(epoch=1, source='clustering', precision=25.0, recall=50.0, **no_view),
        dict(epoch=2, source='clustering', precision=50.0, recall=75.0, **no_view),
        dict(epoch=3, source='clustering', precision=None, recall=0.0, **no_view)]


def test_read_label_history_of_the_clusters_camera_view(tmp_path):
    def clusters(step, single, per_id, cams_per_id, num_clusters=5):
        return {'pseudo_labels/num_clusters': num_clusters, 'pseudo_labels/num_outliers': 3,
                'pseudo_labels/precision': 0.5, 'pseudo_labels/recall': 0.25,
                'pseudo_labels/fscore': 0.3, 'pseudo_labels/nmi': 0.7, 'pseudo_labels/ari': 0.2,
                'pseudo_labels/single_camera_clusters': single,
                'pseudo_labels/clusters_per_identity': per_id,
                'pseudo_labels/cameras_per_identity': cams_per_id, 'step': step}
    write_scalars(tmp_path / '20240101_000000', [
        clusters(0, 0.75, 3.5, 4.25), {'lr': 1e-4, 'loss': 3.0, 'epoch': 1, 'iter': 2, 'step': 2},
        clusters(1, 0.125, 1.5, 4.0), clusters(2, 0.0, 0.0, 0.0, num_clusters=0)])
    history = read_label_history(str(tmp_path))
    assert [(h['epoch'], h['single_camera'], h['clusters_per_identity'],
             h['cameras_per_identity']) for h in history] == [
        (1, 75.0, 3.5, 4.25), (2, 12.5, 1.5, 4.0), (3, None, None, None)]
    assert [(h['precision'], h['recall']) for h in history] == [(50.0, 25.0), (50.0, 25.0),
                                                                (None, 25.0)]


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
    no_view = dict(single_camera=None, clusters_per_identity=None, cameras_per_identity=None)
    assert read_label_history(str(tmp_path)) == [
        dict(epoch=1, source='mplp', precision=None, recall=0.0, **no_view),
        dict(epoch=2, source='mplp', precision=65.0, recall=20.0, **no_view)]
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
    table = format_table([dict(name='ok', metrics=dict(mAP=1, rank1=1, rank5=2, rank10=3),
                               train_s=None), dict(name='broken', metrics=None, train_s=None)],
                         {'x a': ['0.50', 'failed'], 'x b': ['2.0', 'failed']})
    assert table.splitlines() == [
        '| method | mAP | rank-1 | rank-5 | rank-10 | train time | x a | x b |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        '| ok | 1.0 | 1.0 | 2.0 | 3.0 | - | 0.50 | 2.0 |',
        '| broken | failed | failed | failed | failed | failed | failed | failed |']
    with pytest.raises(ValueError, match='x a'):
        format_table([dict(name='ok', metrics=None, train_s=None)], {'x a': []})


@pytest.mark.parametrize('name', ['tiny', 'medium', 'market', 'lite0', 'domains'])
def test_every_preset_and_row_config_loads(name):
    args = argparse.Namespace(preset=name, cfg_options=None, data_dir=None, pretrained=None)
    preset = tool.load_preset(args)
    targets = tool.target_names(preset)
    assert set(preset.domains) >= set(targets)
    for key, row in preset.rows.items():
        cfg = Config.fromfile(osp.join(REPO, row['config']))
        if row['kind'] == 'torchreid':
            assert {'data', 'model', 'optimizer', 'max_epochs'} <= set(cfg), key
        else:
            assert cfg.model.type in ('Supervised', 'MMCL', 'ICE'), key
            assert cfg.train_cfg.max_epochs >= 1, key
        assert row.get('train_domain', 'target') in set(preset.domains) | {'target'}, key


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


def section_table(markdown: str, heading: str) -> dict:
    """``{method: [cells]}`` of the first markdown table after the line ``heading``, and its
    header cells under the key ``'method'``."""
    lines = markdown.splitlines()
    start = lines.index(heading)
    header = next(i for i in range(start, len(lines)) if lines[i].startswith('| method |'))
    rows = {}
    for line in lines[header:header + 1] + lines[header + 2:]:
        if not line.startswith('|'):
            break
        cells = [c.strip() for c in line.strip('|').split('|')]
        rows[cells[0]] = cells[1:]
    return rows


def ratio_cells(results: list, digits=(2, 1)) -> dict:
    """``{key: [x supervised, x direct]}`` computed from one domain's rows' mAPs."""
    maps = {r['key']: r['metrics']['mAP'] for r in results}
    return {key: [f'{value / maps["supervised"]:.{digits[0]}f}',
                  f'{value / maps["untrained"]:.{digits[1]}f}'] for key, value in maps.items()}


@pytest.mark.slow(90)
def test_two_target_domains_run_every_row_on_each(tmp_path):
    preset_file = tmp_path / 'two_domains.py'
    preset_file.write_text(
        f"_base_ = ['{osp.join(REPO, 'benchmarks', 'presets', 'tiny.py')}']\n"
        "_two = dict(preset='tiny', num_ids_train=8, num_ids_test=8, num_distractors=4,\n"
        "            num_junk=0)\n"
        "domains = dict(\n"
        "    plain=dict(folder='tiny_plain', source='folder', generate=dict(_two, style_seed=0)),\n"
        "    styled=dict(folder='tiny_styled', source='folder',\n"
        "                generate=dict(_two, style_seed=4)))\n"
        "targets = ['plain', 'styled']\n"
        "rows = dict(tested_again=dict(\n"
        "    name='supervised model tested again', kind='test', load_from='supervised',\n"
        "    config='benchmarks/configs/supervised_r18_medium.py',\n"
        "    cfg_options={'model.num_classes': 8}))\n")
    work_dir = tmp_path / 'bench'
    args = ('--preset', str(preset_file), '--work-dir', str(work_dir), '--data-dir',
            str(tmp_path / 'data'), '--rows', 'untrained,supervised,tested_again')
    proc = run_benchmark(*args)
    keys = ['untrained', 'supervised', 'tested_again']
    rows = json.loads((work_dir / 'results.json').read_text())['rows']
    assert [(r['domain'], r['key']) for r in rows] == [(d, k) for d in ('plain', 'styled')
                                                        for k in keys]
    for row in rows:
        domain, key = row['domain'], row['key']
        assert (work_dir / domain / key / 'row_result.json').is_file(), (domain, key)
        assert row['log'] == osp.join(str(work_dir), 'logs', domain, f'{key}.log')
        assert (work_dir / 'logs' / domain / f'{key}.log').is_file()
        assert f'data/tiny_{domain}' in row['command'], row['command']
        assert f'tiny_{"styled" if domain == "plain" else "plain"}' not in row['command']
    # load_from: the final model of the same domain's supervised row.
    for domain in ('plain', 'styled'):
        again = next(r for r in rows if r['key'] == 'tested_again' and r['domain'] == domain)
        assert osp.join(str(work_dir), domain, 'supervised', 'epoch_1.pth') in again['command']
    assert not (work_dir / 'untrained').exists() and not (work_dir / 'logs' / 'untrained.log'
                                                            ).exists()
    # One section and table per domain, with the ratios to its supervised and untrained rows.
    markdown = (work_dir / 'results.md').read_text()
    assert markdown.strip() in proc.stdout
    names = {r['key']: r['name'] for r in rows}
    summary = section_table(markdown, '## Summary')
    assert summary['method'] == ['plain', 'styled']
    for index, domain in enumerate(('plain', 'styled')):
        table = section_table(markdown, f'## Domain `{domain}`')
        assert table['method'][-2:] == ['x supervised', 'x direct']
        results = [r for r in rows if r['domain'] == domain]
        ratios = ratio_cells(results)
        assert ratios['supervised'][0] == '1.00' and ratios['untrained'][1] == '1.0'
        for row in results:
            cells = table[row['name']]
            assert cells[0] == f"{row['metrics']['mAP']:.1f}"
            assert cells[-2:] == ratios[row['key']], (domain, row['key'], cells)
            assert summary[row['name']][index] == (f"{row['metrics']['mAP']:.1f} "
                                                   f"({', '.join(ratios[row['key']])})")
        assert f'`map_curves_{domain}.png`' in markdown
        png = (work_dir / f'map_curves_{domain}.png').read_bytes()
        assert png.startswith(PNG_SIGNATURE)
        width, height = struct.unpack('>II', png[16:24])
        assert width > 4 * height  # three panels
    assert not (work_dir / 'map_curves.png').exists()
    assert list(summary)[1:] == [names[k] for k in keys]
    assert markdown.index('### `plain`') < markdown.index('### `styled`')

    # --reuse keeps each domain's rows on their own: a row that did not finish on one domain
    # runs again there only.
    (work_dir / 'styled' / 'tested_again' / 'row_result.json').unlink()
    again = run_benchmark(*args, '--reuse')
    assert again.stdout.count('kept from the earlier run') == 5, again.stdout
    assert "Row 'supervised' on styled: kept" in again.stdout
    assert "Row 'tested_again' on plain: kept" in again.stdout
    assert "Row 'tested_again' on styled: mAP" in again.stdout
    assert 'this invocation' in (work_dir / 'results.md').read_text()


def test_domains_report_gives_ratios_only_where_the_reference_ran():
    def result(domain, key, mAP, name=None):
        metrics = None if mAP is None else dict(mAP=mAP, rank1=1.0, rank5=2.0, rank10=3.0)
        return dict(domain=domain, key=key, name=name or key, kind='train', metrics=metrics,
                    train_s=60.0, wall_s=60.0, command=f'python {key}', log=f'logs/{key}.log',
                    error=None if metrics else 'exit status 1: boom')
    results = [result('a', 'untrained', 5.0), result('a', 'supervised', 80.0),
               result('a', 'ice', 60.0, 'ICE'),
               result('b', 'untrained', 4.0), result('b', 'supervised', None),
               result('b', 'ice', 30.0, 'ICE')]
    text = tool.domains_report('p', ['a', 'b'], results, {}, [0.5], 120.0)
    table_a = section_table(text, '## Domain `a`')
    assert table_a['ICE'] == ['60.0', '1.0', '2.0', '3.0', '1.0 min', '0.75', '12.0']
    assert table_a['supervised'][-2:] == ['1.00', '16.0']
    table_b = section_table(text, '## Domain `b`')
    assert table_b['ICE'][-2:] == ['-', '7.5']  # the supervised row failed on b
    assert table_b['supervised'] == ['failed'] * 7
    summary = section_table(text, '## Summary')
    assert summary['ICE'] == ['60.0 (0.75, 12.0)', '30.0 (-, 7.5)']
    assert summary['supervised'] == ['80.0 (1.00, 16.0)', 'failed']
    assert '- supervised (`supervised`) on `b`: exit status 1: boom' in text
    # without an untrained row, no direct ratio
    assert tool.domain_ratios(results[1:3])['x direct'] == ['-', '-']


def test_domains_preset_tests_each_row_on_each_target():
    args = argparse.Namespace(preset='domains', cfg_options=None, data_dir=None, pretrained=None)
    preset = tool.load_preset(args)
    lite0 = Config.fromfile(osp.join(REPO, 'benchmarks', 'presets', 'lite0.py'))
    assert tool.target_names(preset) == ['small_wide', 'strong_cameras', 'style3']
    assert preset.domains.small_wide.to_dict() == lite0.domains.target.to_dict()  # reused
    assert preset.domains.strong_cameras.generate == dict(
        preset='small_wide', seed=2, style_seed=2, camera_strength=2.0, camera_coverage=0.5,
        walk_len=8, split_walks=0.0, imgs_per_id_cam=4.85)
    assert preset.domains.style3.generate == dict(preset='small_wide', seed=3, style_seed=3)
    assert list(preset.rows) == ['untrained', 'supervised', 'mmcl', 'ice']
    for key, row in preset.rows.items():
        assert row.to_dict() == lite0.rows[key].to_dict(), key
    domains = {name: dict(root=osp.join(preset.data_dir, d.folder), source=d.source)
               for name, d in preset.domains.items()}
    for target in tool.target_names(preset):
        row_domains = dict(domains, target=domains[target])
        cmd = tool.row_command('ice', preset.rows.ice, preset, f'work/{target}', row_domains,
                               {})
        roots = [a.split('=', 1)[1] for a in cmd if '.dataset.data_root=' in a]
        assert roots == [f'data/benchmark/{target}'] * 3, cmd
        assert cmd[cmd.index('--work-dir') + 1] == f'work/{target}/ice'
    # a row trained on another named domain keeps training there and tests on the target
    transfer = dict(name='transfer', kind='train', train_domain='small_wide',
                    config=preset.rows.supervised.config)
    cmd = tool.row_command('transfer', transfer, preset, 'work/style3',
                           dict(domains, target=domains['style3']), {})
    assert 'train_dataloader.dataset.data_root=data/benchmark/small_wide' in cmd
    assert 'test_dataloader.dataset.data_root=data/benchmark/style3' in cmd
    assert tool.per_domain(['target']) is False and tool.per_domain(['style3']) is True


@pytest.mark.parametrize('targets', [['nowhere'], [], ['style3', 'style3']])
def test_preset_targets_must_name_domains_once(targets):
    args = argparse.Namespace(preset='domains', cfg_options={'targets': targets},
                              data_dir=None, pretrained=None)
    with pytest.raises(SystemExit, match='targets'):
        tool.load_preset(args)


def test_camera_panel_draws_single_camera_share_and_clusters_per_identity(tmp_path,
                                                                         monkeypatch):
    camera = {'ICE': [(1, 80.0, 3.0, 4.0), (2, 40.0, 2.0, 4.0)],
              'ICE old': [(1, None, None, None)]}  # logged before the camera view: left out
    fig = Figure()
    ax = fig.add_subplot()
    twin = draw_camera_curves(ax, camera, colors={'ICE': 'C3'})
    assert [(line.get_color(), line.get_linestyle(), list(line.get_ydata()))
            for line in ax.get_lines()] == [('C3', '-', [80.0, 40.0])]
    assert [(line.get_color(), line.get_linestyle(), list(line.get_ydata()))
            for line in twin.get_lines()] == [('C3', '--', [3.0, 2.0]), ('C3', ':', [4.0, 4.0])]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        'ICE', 'single-camera clusters', 'clusters per identity', 'cameras per identity']
    assert draw_camera_curves(Figure().add_subplot(), {}) is None  # an empty panel

    figures = []
    save = curves_module._save
    monkeypatch.setattr(curves_module, '_save', lambda fig, out: figures.append(fig) or
                        save(fig, out))
    labels = {'ICE': [(1, 50.0, 40.0), (2, 60.0, 50.0)]}
    out = plot_metric_and_label_curves({'ICE': [(1, 10.0), (2, 20.0)]}, labels,
                                       str(tmp_path / 'three.png'), camera_curves=camera,
                                       camera_title='camera view')
    assert open(out, 'rb').read().startswith(PNG_SIGNATURE)
    axes = figures[0].axes
    assert len(axes) == 4  # three panels and the camera panel's twin axis
    assert axes[2].get_title() == 'camera view'
    # one colour per run in every panel
    assert axes[2].get_lines()[0].get_color() == axes[0].get_lines()[0].get_color()
    plot_metric_and_label_curves({}, {}, str(tmp_path / 'two.png'))
    assert len(figures[1].axes) == 2  # without camera curves: two panels, as before
