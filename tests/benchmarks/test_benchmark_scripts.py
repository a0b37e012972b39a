"""Smoke tests of the speed and scale scripts in benchmarks/: each runs as a user runs it, at its
``--quick`` size, on the CPU (no GPU, no network), and its printed figures and written files are
checked for shape and sanity (not for speed)."""
import json
import os
import os.path as osp
import subprocess
import sys
from typing import List

import numpy as np
import pytest
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPTS = ['benchmark_jaccard.py', 'benchmark_train_step.py', 'benchmark_extraction.py',
           'benchmark_rerank.py', 'benchmark_extraction_memory.py']


def run_script(script: str, *args: str) -> str:
    """Run ``benchmarks/<script> args`` on the CPU with one thread; its stdout."""
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='', PYTHONPATH=REPO)
    cmd: List[str] = [sys.executable, osp.join(REPO, 'benchmarks', script), *args]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f'{" ".join(cmd)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc.stdout


def load_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


@pytest.mark.slow(6)
@pytest.mark.parametrize('script', SCRIPTS)
def test_help(script):
    out = run_script(script, '--help')
    assert out.startswith('usage:') and '--quick' in out and '--out-dir' in out


def check_machine(out: str, report: dict) -> None:
    assert 'machine: ' in out and 'load average after' in out
    machine = report['machine']
    assert machine['cpu'] and machine['cores'] >= 1 and machine['gpu'] is None


@pytest.mark.slow(10)
def test_rerank_quick(tmp_path):
    out = run_script('benchmark_rerank.py', '--quick', '--out-dir', str(tmp_path))
    report = load_json(tmp_path / 'rerank.json')
    check_machine(out, report)
    [r] = report['results']
    assert (r['queries'], r['gallery']) == (200, 800)
    assert r['seconds'] > 0 and r['torchreid_seconds'] > 0 and r['peak_growth_mib'] >= 0
    assert r['max_abs_diff'] < 1e-5 and r['map_diff'] < 1e-4  # equal to torchreid's
    assert 0 < r['map_original'] < 100 and 0 < r['map_reranked'] <= 100
    assert f'{r["map_reranked"]:.1f}' in out
    assert 'torchreid s' in (tmp_path / 'rerank.md').read_text()


@pytest.mark.slow(16)
def test_jaccard_quick(tmp_path):
    out = run_script('benchmark_jaccard.py', '--quick', '--extrapolate', '4000', '--out-dir',
                     str(tmp_path))
    report = load_json(tmp_path / 'jaccard.json')
    check_machine(out, report)
    results = report['results']
    assert [r['n'] for r in results] == [500, 1000]
    for r in results:
        assert r['knn_device'] == 'cpu'
        for key in ('knn_s', 'jaccard_s', 'dbscan_s', 'total_cpu_s'):
            assert r[key] >= 0
        assert r['total_s'] == pytest.approx(r['knn_s'] + r['jaccard_s'] + r['dbscan_s'])
        assert r['peak_rss_mib'] >= r['peak_growth_mib'] >= 0
        assert r['clusters'] >= 1
        row = next(line for line in out.splitlines() if line.split()[:1] == [str(r['n'])])
        assert f'{r["total_s"]:.2f}' in row
    md = (tmp_path / 'jaccard.md').read_text()
    assert md.count('\n| 500 |') == 1 and md.count('\n| 1000 |') == 1
    (row,) = report['extrapolated']
    assert row['n'] == 4000 and row['from_n'] == [500, 1000]
    small, large = results
    for key in ('knn_s', 'jaccard_s', 'dbscan_s'):  # the power law through the two sizes
        power = row['exponents'][key]
        assert large[key] * 2 ** power == pytest.approx(large[key] * (large[key] / small[key]))
        assert row[key] == pytest.approx(large[key] * 4 ** power)
    assert row['total_s'] == pytest.approx(row['knn_s'] + row['jaccard_s'] + row['dbscan_s'])
    assert 'extrapolated to N = 4,000 from N = 500 and 1,000' in out
    assert 'extrapolated to N = 4,000' in md
    with Image.open(tmp_path / 'jaccard.png') as img:
        assert img.format == 'PNG' and img.width > 100 and img.height > 100


def test_jaccard_given_features(tmp_path):
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((20, 32))
    ids = rng.integers(0, 20, 400)
    feats = (centres[ids] + 0.3 * rng.standard_normal((400, 32))).astype(np.float32)
    np.save(tmp_path / 'f.npy', feats)
    np.save(tmp_path / 'i.npy', ids)
    out = run_script('benchmark_jaccard.py', '--n', '300', '--features', str(tmp_path / 'f.npy'),
                     '--ids', str(tmp_path / 'i.npy'), '--k1', '10', '--k2', '3', '--knn',
                     'approximate', '--compare-exact', '--out-dir', str(tmp_path / 'out'))
    report = load_json(tmp_path / 'out' / 'jaccard.json')
    (r,) = report['results']
    assert r['n'] == 300 and r['features_mib'] == pytest.approx(300 * 32 * 4 / 2**20)
    assert r['true_ids'] == np.unique(ids[:300]).size and r['clusters'] >= 1
    # 32 dimensions are not projected: the approximate search is exact here
    assert r['knn_recall'] == 1.0 and r['fscore_vs_exact'] == 1.0
    assert f'features of {tmp_path / "f.npy"}, D = 32' in out


@pytest.mark.slow(13)
def test_jaccard_plot_option(tmp_path):
    plot = tmp_path / 'elsewhere.png'
    run_script('benchmark_jaccard.py', '--n', '300', '--dim', '32', '--out-dir',
               str(tmp_path / 'out'), '--plot', str(plot))
    assert plot.is_file() and not (tmp_path / 'out' / 'jaccard.png').exists()
    assert [r['n'] for r in load_json(tmp_path / 'out' / 'jaccard.json')['results']] == [300]


@pytest.mark.slow(14)
def test_train_step_quick(tmp_path):
    out = run_script('benchmark_train_step.py', '--quick', '--threads', '1', '--out-dir',
                     str(tmp_path))
    report = load_json(tmp_path / 'train_step.json')
    check_machine(out, report)
    results = {r['method']: r for r in report['results']}
    table = out.split('\nmethod ', 1)[1].splitlines()
    assert list(results) == ['supervised', 'mmcl', 'ice', 'ice_agnostic']
    assert results['supervised']['ratio'] == 1
    for name, r in results.items():
        assert r['total_s'] > 0 and r['ratio'] > 0 and r['ratio_no_optimizer'] > 0
        assert 0 < r['optimizer_s'] < r['total_s']
        assert r['min_s'] <= r['total_s'] <= r['max_s']
        assert f'{r["total_s"]:.3f}' in next(line for line in table
                                              if line.startswith(name + ' '))
    assert results['mmcl']['hooks_s'] > 0  # bank commit + Gram refresh
    assert results['ice']['hooks_s'] > 0  # teacher update
    assert 'bank (600, 512), Gram cache (600, 600)' in results['mmcl']['memory']
    assert report['mmcl_overhead_pct'] == pytest.approx((results['mmcl']['ratio'] - 1) * 100)
    assert 'MMCL overhead over the supervised baseline' in out
    assert '| mmcl |' in (tmp_path / 'train_step.md').read_text()


@pytest.mark.slow(11)
def test_extraction_quick(tmp_path):
    out = run_script('benchmark_extraction.py', '--quick', '--threads', '1', '--out-dir',
                     str(tmp_path))
    report = load_json(tmp_path / 'extraction.json')
    check_machine(out, report)
    for path in ('plugin', 'torchreid'):
        assert report[path]['images_per_s'] > 0
        assert report[path]['best_images_per_s'] >= report[path]['images_per_s']
    assert report['speedup'] > 0
    agreement = report['agreement']
    assert agreement['agree'] and agreement['max_abs_diff'] <= 1e-4
    assert agreement['shapes'][0] == agreement['shapes'][1]
    assert agreement['shapes'][0][0] == report['data']['train']
    assert '-> agree' in out
    assert 'torchreid FeatureExtractor' in (tmp_path / 'extraction.md').read_text()


def test_extraction_memory_quick(tmp_path):
    out = run_script('benchmark_extraction_memory.py', '--quick', '--out-dir', str(tmp_path))
    report = load_json(tmp_path / 'extraction_memory.json')
    results = {r['dtype']: r for r in report['results']}
    assert set(results) == {'float32', 'float16'}
    assert results['float32']['features_mib'] == pytest.approx(20_000 * 2048 * 4 / 2**20)
    assert results['float16']['features_mib'] == pytest.approx(20_000 * 2048 * 2 / 2**20)
    for r in results.values():  # held once: no list of batches, no concatenated copy
        assert r['growth_over_features'] < 1.5 and r['features_per_s'] > 0
    assert 'float16: 20,000 x 2048' in out
    assert '| float32 | 20000 | 2048 |' in (tmp_path / 'extraction_memory.md').read_text()


@pytest.mark.slow(90)
def test_gpu_run_tiny(tmp_path):
    out = run_script('gpu_run.py', '--tiny', '--data-root', str(tmp_path / 'data'),
                     '--work-dir', str(tmp_path / 'work'), '--out-dir', str(tmp_path))
    report = load_json(tmp_path / 'gpu_run.json')
    assert report['device'] == 'CPU' and report['draw_s'] > 0
    runs = {(r['config'], r['precision']): r for r in report['training']}
    assert set(runs) == {('ice_r50_market', 'fp32'), ('mmcl_r50_market', 'fp32'),
                         ('supervised_r50_market', 'fp32')}
    for r in runs.values():
        assert r['iterations'] == 2 and r['s_per_iter'] > 0
        assert r['images_per_s'] == pytest.approx(8 / r['s_per_iter'])
        assert r['peak_gpu_mib'] is None
    clustering = report['clustering']
    assert clustering['images'] > 0 and 0 <= clustering['outliers'] <= clustering['images']
    assert all(clustering[k] > 0 for k in ('extract_s', 'knn_s', 'jaccard_s', 'dbscan_s'))
    assert clustering['knn_rows_compared'] > 0 and clustering['knn_rows_identical'] == 1.0
    assert clustering['knn_max_abs_distance_diff'] < 1e-4
    assert '| ice_r50_market | fp32 |' in out and 'ICE clustering of' in out
    assert (tmp_path / 'gpu_run.md').read_text().startswith('Device: CPU')
