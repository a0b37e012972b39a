"""tools/benchmark.py end to end on the tiny preset, with one row broken on purpose."""
import argparse
import json
import os.path as osp

import pytest
from mmengine.config import Config

from mmcl_ice_plugin.utils.experiments import format_table

from .helpers import REPO, load_tool, run_tool

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


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


def test_tiny_preset_reports_every_row_and_the_failed_one(tmp_path):
    broken = tmp_path / 'broken_config.py'
    broken.write_text("raise RuntimeError('broken on purpose')\n")
    work_dir = tmp_path / 'bench'
    proc = run_tool('benchmark.py', '--preset', 'tiny', '--work-dir', str(work_dir),
                    '--data-dir', str(tmp_path / 'data'),
                    '--cfg-options', f'rows.ice_agnostic.config={broken}', check=False)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    preset = Config.fromfile(osp.join(REPO, 'configs', 'benchmark', 'presets', 'tiny.py'))
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
    assert (work_dir / 'map_curves.png').read_bytes().startswith(PNG_SIGNATURE)
    results = {r['key']: r for r in json.loads((work_dir / 'results.json').read_text())['rows']}
    assert results['ice_agnostic']['metrics'] is None
    for key in ('torchreid', 'supervised_ce', 'supervised', 'mmcl', 'ice', 'transfer', 'mmcl_da',
                'ice_da'):
        assert [h['epoch'] for h in results[key]['history']] == [1], key
    assert 'load_from=' in results['mmcl_da']['command']


def test_format_table_marks_failed_rows():
    table = format_table([
        dict(name='ok', metrics=dict(mAP=12.34, rank1=1, rank5=2, rank10=3), train_s=90),
        dict(name='untrained', metrics=dict(mAP=1, rank1=1, rank5=2, rank10=3), train_s=None),
        dict(name='broken', metrics=None, train_s=None)])
    lines = table.splitlines()
    assert lines[2] == '| ok | 12.3 | 1.0 | 2.0 | 3.0 | 1.5 min |'
    assert lines[3].endswith('| 3.0 | - |')
    assert lines[4] == '| broken | failed | failed | failed | failed | failed |'


@pytest.mark.parametrize('name', ['tiny', 'medium', 'market'])
def test_every_preset_and_row_config_loads(name):
    tool = load_tool('benchmark')
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
