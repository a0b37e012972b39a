"""Benchmark the methods on the same data, backbone and epoch budget: the untrained backbone,
the supervised upper bound (and, in some presets, torchreid's own supervised engine), MMCL, ICE
camera-agnostic and camera-aware; then domain adaptation A -> B (supervised on domain A, MMCL
and ICE without labels on domain B starting from that model) against direct transfer.

    python benchmarks/benchmark_methods.py [--preset lite0|domains|medium|tiny|market|FILE.py]
        [--work-dir D] [--rows key,key,...] [--data-dir D] [--pretrained FILE] [--reuse]
        [--cfg-options k=v ...]

Presets are config files in benchmarks/presets/: ``lite0`` (default; the generator's
'small_wide' target and 'small'-sized domain A, ImageNet EfficientNet-Lite0 at 128x64 with the
configs/*_lite0_synthetic.py schedules, plus ICE with the authors' 4 BN groups and domain
adaptation), ``domains`` (lite0's untrained, supervised, MMCL and ICE rows on three generated
target domains in turn: lite0's target, one with stronger camera effects and fewer cameras per
person, one with other people and styles), ``medium`` (the generated 'medium' sets, ResNet-18
from scratch at 64x32, 6 epochs, torchreid's engine too), ``tiny`` (the whole pipeline on a few
images, for the tests) and ``market`` (the official schedules on Market-1501, DukeMTMC-reID as
domain A; a GPU and ImageNet weights, --pretrained). ``--cfg-options`` overrides preset keys, e.g.
``rows.mmcl.config=...``. Every row is a config that tools/train.py (tools/train_torchreid.py
for torchreid's row) runs alone: results.md lists each row's command.

A preset's keys: ``data_dir``, the folder of the data sets; ``domains``: ``target`` (domain B,
that every row is tested on) and ``source`` (domain A), each a ``folder`` under ``data_dir``, a
``source`` (a torchreid dataset name or ``'folder'``) and, for generated data, ``generate``: a
``mmcl_ice_plugin.datasets.synthetic.PRESETS`` name under ``preset`` and overrides, drawn when
absent; ``targets`` (optional, default ``['target']``): the domains to test on, each in turn
(below); ``pretrained``: None (the configs' own weights) or a local weight file for every row,
set as the config key ``pretrained_key`` (default ``model.backbone.pretrained``;
``model.pretrained`` for torchreid rows); ``plugin_options`` and ``torchreid_options``: the
``--cfg-options`` of every tools/train.py and tools/test.py row, and of every
tools/train_torchreid.py row; ``rows``, the table in order, each with a ``name``, a ``config``
(its data are replaced by the domains'), a ``kind`` (``'test'``: tools/test.py on the untrained
model or on the final checkpoint of row ``load_from``; ``'train'``: tools/train.py, validated
during training, starting from the final checkpoint of row ``load_from`` if given;
``'torchreid'``: tools/train_torchreid.py), ``train_domain`` (default ``'target'``, the domain
tested on) and ``cfg_options`` (its own ``--cfg-options``).

Writes to the work dir (default work_dirs/benchmark/<preset>): one folder and one log
(logs/<row>.log) per row, results.md (the table, the machine, the commands), results.json
(per row: metrics, ``history`` = mAP per epoch, ``label_history`` = pseudo-label precision
and recall per epoch, and the camera view of ICE's clusters) and map_curves.png, three
panels: left the mAP per epoch of every trained row (from the runs' scalars.json and
torchreid's results.json), middle the pseudo-label precision (solid) and recall (dashed) per
epoch of the unsupervised rows (ICE: its DBSCAN clusters; MMCL: the mean of the batch-level
MPLP values the logger recorded), right the camera view of the ICE rows' clusters (monitoring
only): the share of single-camera clusters (solid) and, on a second axis, the clusters an
identity spreads over (dashed) against the cameras it is seen by (dotted); see
``benchmarks.utils.experiments.read_label_history``. A row that fails is reported as
failed, with its log, and the others go on; rows that start from a failed row fail too.
Each finished row also leaves ``<row>/row_result.json``: with ``--reuse`` a rerun keeps the
rows that finished with the same command (an interrupted benchmark goes on where it stopped).

With ``targets`` naming other domains than ``target`` (the ``domains`` preset), every selected
row runs once per target domain, trained and tested on it (a row with another ``train_domain``
trains on that domain and is tested on each target; ``load_from`` names the same target's row),
in ``<target>/<row>/`` with the log ``logs/<target>/<row>.log`` (``--reuse`` keeps each target's
rows on its own). results.md then has one section per domain, whose table adds each row's mAP
over that of the domain's ``supervised`` row (``x supervised``) and of its ``untrained`` row
(``x direct``) when those rows ran, and a summary table of every row on every domain;
results.json gives each row its ``domain``; the curves are ``map_curves_<target>.png``, one per
domain (``map_curves.png`` for a single target).
"""
import argparse
import json
import os
import os.path as osp
import shlex
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from benchmarks.utils.curves import plot_metric_and_label_curves  # noqa: E402
from benchmarks.utils.experiments import (METRIC_KEYS, cfg_options_args,  # noqa: E402
                                          checkpoint_progress, format_table, last_checkpoint,
                                          read_label_history, read_metrics, read_val_history,
                                          run_command, test_command, train_command)
from benchmarks.utils.machine import cpu_model  # noqa: E402
from mmcl_ice_plugin.datasets import load_torchreid_splits  # noqa: E402
from mmcl_ice_plugin.datasets.synthetic import (PRESETS, make_synthetic_reid,  # noqa: E402
                                                read_summary)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRESET_DIR = osp.join(ROOT, 'benchmarks', 'presets')
KINDS = ('test', 'train', 'torchreid')
ROW_RESULT = 'row_result.json'


class RowFailed(Exception):
    """A row could not produce its metrics; the message says why."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--preset', default='lite0',
                        help='a preset name in benchmarks/presets/ or a preset file')
    parser.add_argument('--work-dir', help='default: work_dirs/benchmark/<preset>')
    parser.add_argument('--rows', help='comma-separated row keys to run (default: all)')
    parser.add_argument('--data-dir', help="the folder holding the preset's data sets "
                        '(overrides the preset key data_dir)')
    parser.add_argument('--pretrained', help='local backbone weight file for every row '
                        '(overrides the preset key pretrained; the preset key pretrained_key '
                        'names the config key it sets)')
    parser.add_argument('--reuse', action='store_true',
                        help='keep the rows of an earlier run in the same work dir that '
                        'finished with the same command (and whose starting row was kept too) '
                        'instead of training them again; an interrupted benchmark goes on '
                        'where it stopped')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override preset keys, e.g. rows.mmcl.config=configs/x.py')
    return parser.parse_args()


def load_preset(args: argparse.Namespace) -> Config:
    """The preset config with the command-line overrides folded in, its rows checked."""
    path = args.preset if args.preset.endswith('.py') else osp.join(PRESET_DIR,
                                                                     args.preset + '.py')
    if not osp.isfile(path):
        names = sorted(n[:-3] for n in os.listdir(PRESET_DIR) if n.endswith('.py'))
        raise SystemExit(f'--preset {args.preset}: no such preset; choose one of {names} or '
                         'give a preset file.')
    preset = Config.fromfile(path)
    if args.cfg_options:
        preset.merge_from_dict(args.cfg_options)
    if args.data_dir:
        preset.data_dir = args.data_dir
    if args.pretrained:
        preset.pretrained = args.pretrained
    for key, row in preset.rows.items():
        if row.get('kind') not in KINDS:
            raise SystemExit(f'preset row {key!r}: kind must be one of {KINDS}, got '
                             f'{row.get("kind")!r}.')
        if row.get('load_from') and row['load_from'] not in preset.rows:
            raise SystemExit(f'preset row {key!r}: load_from {row["load_from"]!r} is not a row.')
        train_domain = row.get('train_domain', 'target')
        if train_domain != 'target' and train_domain not in preset.domains:
            raise SystemExit(f'preset row {key!r}: train_domain {train_domain!r} is not a '
                             f'domain; the preset has {list(preset.domains)}.')
    targets = target_names(preset)
    unknown = [t for t in targets if t not in preset.domains]
    if not targets or unknown or len(set(targets)) < len(targets):
        raise SystemExit(f'preset targets {targets}: name each domain of {list(preset.domains)} '
                         'at most once, at least one.')
    return preset


def target_names(preset: Config) -> List[str]:
    """The preset's ``targets``, the domains tested on in turn (default ``['target']``)."""
    return list(preset.get('targets') or ['target'])


def per_domain(targets: Sequence[str]) -> bool:
    """Whether the targets run in their own folders and sections (any but ``['target']``)."""
    return list(targets) != ['target']


def prepare_domain(domain: dict, data_dir: str) -> dict:
    """``{'root', 'source', 'summary'}`` of a preset domain: a generated set is drawn when
    absent or drawn with other parameters; any set is checked (missing data fail here, with
    the expected layout, instead of in every row)."""
    root = osp.join(data_dir, domain['folder'])
    summary = None
    if domain.get('generate'):
        generate = dict(domain['generate'])
        params = dict(PRESETS[generate.pop('preset')], **generate)
        summary = read_summary(osp.join(ROOT, root))
        if summary is None or any(summary.get(k) != v for k, v in params.items()):
            print(f'Generating {root} ...', flush=True)
            summary = make_synthetic_reid(osp.join(ROOT, root), overwrite=True, progress=True,
                                          num_workers=min(4, os.cpu_count() or 1), **params)
    try:
        load_torchreid_splits(domain['source'], osp.join(ROOT, root))
    except (FileNotFoundError, ValueError, KeyError) as err:
        raise SystemExit(f'{err}\n(benchmark data_dir {data_dir!r}: change it with '
                         '--data-dir)') from err
    return dict(root=root, source=domain['source'], summary=summary)


def data_options(kind: str, train_domain: dict, test_domain: dict) -> Dict[str, object]:
    """``--cfg-options`` that point a row at its data: the train set on ``train_domain``,
    validation and test sets on ``test_domain``."""
    if kind == 'torchreid':
        return {'data.root': test_domain['root'], 'data.source': test_domain['source']}
    loaders = {'test_dataloader': test_domain}
    if kind == 'train':
        loaders.update(train_dataloader=train_domain, val_dataloader=test_domain)
    options = {}
    for loader, domain in loaders.items():
        options[f'{loader}.dataset.data_root'] = domain['root']
        options[f'{loader}.dataset.source'] = domain['source']
    return options


def row_command(key: str, row: dict, preset: Config, work_dir: str, domains: Dict[str, dict],
                status: Dict[str, str]) -> List[str]:
    """The command line of a row (``RowFailed`` when the row it starts from has no model)."""
    kind = row['kind']
    row_dir = osp.join(work_dir, key)
    options = data_options(kind, domains[row.get('train_domain', 'target')], domains['target'])
    if kind == 'torchreid':
        options.update(preset.torchreid_options)
        if preset.pretrained:
            options['model.pretrained'] = preset.pretrained
        options.update(row.get('cfg_options', {}))
        return [sys.executable, 'tools/train_torchreid.py', row['config'], '--work-dir',
                row_dir] + cfg_options_args(options)
    options.update(preset.plugin_options)
    if preset.pretrained:
        options[preset.get('pretrained_key', 'model.backbone.pretrained')] = preset.pretrained
    options.update(row.get('cfg_options', {}))
    load_from = None
    if row.get('load_from'):
        source = row['load_from']
        if status.get(source) == 'failed':
            raise RowFailed(f"it starts from the final model of row '{source}', which failed.")
        try:
            load_from = last_checkpoint(ROOT, osp.join(work_dir, source))
        except FileNotFoundError:
            raise RowFailed(f"it starts from the final model of row '{source}', which has not "
                            f'been run: run that row first (--rows {source},{key}).') from None
    if kind == 'test':
        return test_command(row['config'], row_dir, load_from, options)
    return train_command(row['config'], row_dir, load_from, options)


def collect(key: str, kind: str, work_dir: str) -> dict:
    """Read what a row's command wrote: final metrics, per-epoch mAP and pseudo-label
    histories, training seconds."""
    row_dir = osp.join(work_dir, key)
    if kind == 'test':
        return dict(metrics=read_metrics(ROOT, row_dir), history=[], label_history=[],
                    train_s=None)
    if kind == 'torchreid':
        with open(osp.join(ROOT, row_dir, 'results.json')) as f:
            results = json.load(f)
        return dict(metrics=results['metrics'], history=results['history'], label_history=[],
                    train_s=results['train_seconds'])
    epoch, train_s = checkpoint_progress(osp.join(ROOT, last_checkpoint(ROOT, row_dir)))
    history = read_val_history(osp.join(ROOT, row_dir))
    if not history or history[-1]['epoch'] != epoch:
        raise RowFailed(f'no validation after the last epoch ({epoch}) in {row_dir}: the '
                        'config must validate (train_cfg.val_interval) at the last epoch.')
    return dict(metrics={k: history[-1][k] for k in METRIC_KEYS}, history=history,
                label_history=read_label_history(osp.join(ROOT, row_dir)), train_s=train_s)


def last_line(log_file: str) -> str:
    """The last non-empty line of a log (the error, when a tool failed)."""
    try:
        with open(log_file, errors='replace') as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return ''
    return lines[-1] if lines else ''


def finished_row(key: str, row: dict, command: str, work_dir: str,
                 status: Dict[str, str]) -> dict:
    """The result an earlier run of this row left in ``<work_dir>/<key>/row_result.json``
    (written only when the row finished), if it ran the same command and the row it starts
    from was kept as well; else None."""
    if row.get('load_from') and status.get(row['load_from']) != 'reused':
        return None
    try:
        with open(osp.join(ROOT, work_dir, key, ROW_RESULT)) as f:
            result = json.load(f)
    except (OSError, ValueError):
        return None
    return result if result.get('command') == command else None


def run_row(key: str, row: dict, preset: Config, work_dir: str, domains: Dict[str, dict],
            status: Dict[str, str], reuse: bool = False, log: Optional[str] = None,
            domain: Optional[str] = None) -> dict:
    """Run one row in a fresh folder ``<work_dir>/<key>``.

    Args:
        key (str): The row's key in the preset.
        row (dict): The preset's row.
        preset (Config): The preset.
        work_dir (str): The folder of the rows (of one target domain, when there are several).
        domains (dict[str, dict]): :func:`prepare_domain` results by name, ``'target'`` the
            domain tested on.
        status (dict[str, str]): The rows run so far (of this target domain): ``'done'``,
            ``'reused'`` or ``'failed'``; this row's is added.
        reuse (bool): Keep the result of an earlier run that finished with the same command
            (and whose starting row was kept too). Defaults to False.
        log (str, optional): The log file. Defaults to None (``<work_dir>/logs/<key>.log``).
        domain (str, optional): The target domain's name, recorded in the result as
            ``domain`` (several targets). Defaults to None (not recorded).

    Returns:
        dict: The row's result, ``metrics`` None if it failed.
    """
    log = log or osp.join(work_dir, 'logs', f'{key}.log')
    log_file = osp.join(ROOT, log)
    result = dict(key=key) if domain is None else dict(key=key, domain=domain)
    result.update(name=row['name'], kind=row['kind'], config=row['config'], log=log,
                  metrics=None, history=[], label_history=[], train_s=None, command=None,
                  error=None)
    label = f'{key!r}' if domain is None else f'{key!r} on {domain}'
    start = time.time()
    try:
        cmd = row_command(key, row, preset, work_dir, domains, status)
        result['command'] = shlex.join(['python'] + cmd[1:])
        kept = finished_row(key, row, result['command'], work_dir, status) if reuse else None
        if kept:
            status[key] = 'reused'
            print(f"Row {label}: kept from the earlier run (mAP {kept['metrics']['mAP']:.1f})",
                  flush=True)
            return kept
        shutil.rmtree(osp.join(ROOT, work_dir, key), ignore_errors=True)
        run_command(cmd, ROOT, log_file)
        result.update(collect(key, row['kind'], work_dir))
    except subprocess.CalledProcessError as err:
        result['error'] = f'exit status {err.returncode}: {last_line(log_file)}'
    except (RowFailed, OSError, KeyError, ValueError, RuntimeError) as err:
        result['error'] = f'{type(err).__name__}: {err}'
    result['wall_s'] = time.time() - start
    result['load'] = os.getloadavg()[0]
    status[key] = 'failed' if result['error'] else 'done'
    if result['error']:
        print(f'Row {label} FAILED: {result["error"]} (log: {result["log"]})', flush=True)
    else:
        with open(osp.join(ROOT, work_dir, key, ROW_RESULT), 'w') as f:
            json.dump(result, f, indent=2)
        print(f"Row {label}: mAP {result['metrics']['mAP']:.1f} in "
              f"{result['wall_s'] / 60:.1f} min", flush=True)
    return result


def data_machine_failures(results: List[dict], domains: Dict[str, dict],
                          loads: List[float]) -> List[str]:
    """The report's data, machine and failed-row sections (a failed row names its domain
    when it has one)."""
    lines = ['## Data', *data_lines(domains), '', '## Machine', machine_line(loads)]
    failed = [r for r in results if r['error']]
    if failed:
        lines += ['', '## Failed rows']
        lines += [f"- {r['name']} (`{r['key']}`)"
                  + (f" on `{r['domain']}`" if r.get('domain') else '')
                  + f": {r['error']} (log: `{r['log']}`)" for r in failed]
    return lines


def machine_line(loads: List[float]) -> str:
    """What the numbers were measured on, and how busy the machine was."""
    device = (torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')
    return (f'{cpu_model()}, {os.cpu_count()} cores, {device}, torch threads '
            f'{torch.get_num_threads()}; 1-minute load average {min(loads):.1f}-'
            f'{max(loads):.1f} (mean {sum(loads) / len(loads):.1f}) over the run')


def data_lines(domains: Dict[str, dict]) -> List[str]:
    lines = []
    for name, domain in domains.items():
        summary = domain['summary']
        what = (f"generated, seed {summary['seed']}, style seed {summary['style_seed']}: "
                f"{summary['num_train_ids']} training identities, {summary['train']} training "
                f"images, {summary['query']} queries, {summary['gallery']} gallery images"
                if summary else domain['source'])
        lines.append(f"- {name} domain: `{domain['root']}` ({what})")
    return lines


def took_line(results: List[dict], wall_s: float) -> str:
    """How long the rows took (their own times, when an earlier invocation ran some)."""
    rows_min = sum(r['wall_s'] or 0 for r in results) / 60
    took = f'{wall_s / 60:.1f} min in all'
    if rows_min > wall_s / 60 + 0.05:
        took = (f'the rows took {rows_min:.1f} min in all, this invocation {wall_s / 60:.1f} '
                f'(it reused rows an earlier one finished)')
    return took


def report(preset_name: str, results: List[dict], domains: Dict[str, dict], loads: List[float],
           wall_s: float) -> str:
    """results.md: the table, the data, the machine, failures and each row's command."""
    lines = [f'# Benchmark, preset `{preset_name}`', '',
             f'Tested on the target domain (query + gallery, Market-1501 protocol) after the '
             f'last epoch; {took_line(results, wall_s)}.', '', format_table(results), '',
             'Train time: time in training iterations (data loading and per-epoch clustering '
             'included, validation excluded). mAP and pseudo-label precision / recall per '
             'epoch: `map_curves.png`.', '',
             *data_machine_failures(results, domains, loads)]
    lines += ['', '## Commands (from the repository root)']
    lines += [f"- {r['name']}: `{r['command']}`" for r in results if r['command']]
    return '\n'.join(lines) + '\n'


def map_ratio(result: dict, reference: Optional[dict], digits: int) -> str:
    """``result``'s mAP over ``reference``'s, with ``digits`` decimals; ``'failed'`` for a
    failed row, ``'-'`` when the reference did not run, failed or has mAP 0."""
    if result['metrics'] is None:
        return 'failed'
    if not reference or not reference['metrics'] or not reference['metrics']['mAP']:
        return '-'
    return f"{result['metrics']['mAP'] / reference['metrics']['mAP']:.{digits}f}"


def domain_ratios(rows: List[dict]) -> Dict[str, List[str]]:
    """The ratio columns of one domain's table: each row's mAP over that of the domain's
    ``supervised`` row (2 decimals) and of its ``untrained`` row (1 decimal)."""
    by_key = {r['key']: r for r in rows}
    return {'x supervised': [map_ratio(r, by_key.get('supervised'), 2) for r in rows],
            'x direct': [map_ratio(r, by_key.get('untrained'), 1) for r in rows]}


def curves_file(targets: Sequence[str], target: str) -> str:
    """The PNG of a target domain's curves: ``map_curves.png`` for a single target."""
    return 'map_curves.png' if len(targets) == 1 else f'map_curves_{target}.png'


def domains_report(preset_name: str, targets: Sequence[str], results: List[dict],
                   domains: Dict[str, dict], loads: List[float], wall_s: float) -> str:
    """results.md of several target domains: one section and table per domain with the mAP
    ratios to its supervised and untrained rows, a summary table, the data, the machine,
    failures and the commands."""
    lines = [f'# Benchmark, preset `{preset_name}`', '',
             'Each row trained and tested on each target domain in turn (a row with another '
             'training domain trained on that one), tested on the query + gallery sets '
             '(Market-1501 protocol) after the last epoch; '
             f'{took_line(results, wall_s)}. x supervised, x direct: the mAP over that of the '
             "domain's `supervised` row and of its `untrained` row ('-' where that row did not "
             'run).']
    by_domain = {t: [r for r in results if r['domain'] == t] for t in targets}
    for target, rows in by_domain.items():
        lines += ['', f'## Domain `{target}`', '', format_table(rows, domain_ratios(rows)), '',
                  f'mAP, pseudo-label precision / recall and the clusters\' camera view per '
                  f'epoch: `{curves_file(targets, target)}`.']
    lines += ['', '## Summary', '',
              'mAP (x supervised, x direct) of every row on every domain.', '',
              '| method | ' + ' | '.join(targets) + ' |',
              '| --- |' + ' ---: |' * len(targets)]
    keys = list(dict.fromkeys(r['key'] for r in results))
    for key in keys:
        cells, name = [], key
        for rows in by_domain.values():
            row = next((r for r in rows if r['key'] == key), None)
            if row is None:
                cells.append('-')
                continue
            name = row['name']
            ratios = domain_ratios(rows)
            index = rows.index(row)
            cells.append('failed' if row['metrics'] is None else
                         f"{row['metrics']['mAP']:.1f} ({ratios['x supervised'][index]}, "
                         f"{ratios['x direct'][index]})")
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    lines += ['', 'Train time: time in training iterations (data loading and per-epoch '
              'clustering included, validation excluded).', '',
              *data_machine_failures(results, domains, loads)]
    lines += ['', '## Commands (from the repository root)']
    for target, rows in by_domain.items():
        lines += ['', f'### `{target}`']
        lines += [f"- {r['name']}: `{r['command']}`" for r in rows if r['command']]
    return '\n'.join(lines) + '\n'


def plot_curves(results: List[dict], out_file: str, title: str) -> str:
    """The PNG of one target domain's rows: mAP per epoch, pseudo-label precision / recall,
    and the camera view of the clusters of the ICE rows."""
    return plot_metric_and_label_curves(
        {r['name']: [(h['epoch'], h['mAP']) for h in r['history']] for r in results},
        {r['name']: [(h['epoch'], h['precision'], h['recall']) for h in r['label_history']]
         for r in results if r['label_history']},
        out_file,
        references={r['name']: r['metrics']['mAP'] for r in results
                    if r['kind'] == 'test' and r['metrics']},
        title=title,
        label_title='pseudo labels used in each epoch (ICE: clusters; MMCL: MPLP batches)',
        camera_curves={
            r['name']: [(h['epoch'], h.get('single_camera'), h.get('clusters_per_identity'),
                         h.get('cameras_per_identity'))
                        for h in r['label_history'] if h['source'] == 'clustering']
            for r in results if any(h['source'] == 'clustering' for h in r['label_history'])},
        camera_title='camera view of the clusters (ICE rows)')


def main() -> None:
    args = parse_args()
    preset = load_preset(args)
    preset_name = osp.splitext(osp.basename(args.preset))[0]
    work_dir = args.work_dir or osp.join('work_dirs', 'benchmark', preset_name)
    keys = list(preset.rows)
    if args.rows:
        keys = args.rows.split(',')
        unknown = [k for k in keys if k not in preset.rows]
        if unknown:
            raise SystemExit(f'--rows: unknown rows {unknown}; the preset has {list(preset.rows)}.')
    targets = target_names(preset)
    several = per_domain(targets)
    start = time.time()
    used = set(targets) | {preset.rows[k].get('train_domain', 'target') for k in keys}
    if several:
        used.discard('target')  # the domain tested on, unless a target is named so
        used |= set(targets)
    domains = {name: prepare_domain(preset.domains[name], preset.data_dir)
               for name in preset.domains if name in used}
    loads = [os.getloadavg()[0]]
    results = []
    for target in targets:
        # 'target' (a row's default train_domain) is the domain tested on.
        row_domains = dict(domains, target=domains[target])
        status: Dict[str, str] = {}
        for key in keys:
            if several:
                results.append(run_row(
                    key, preset.rows[key], preset, osp.join(work_dir, target), row_domains,
                    status, args.reuse, log=osp.join(work_dir, 'logs', target, f'{key}.log'),
                    domain=target))
            else:
                results.append(run_row(key, preset.rows[key], preset, work_dir, row_domains,
                                       status, args.reuse))
            loads.append(results[-1]['load'])
    wall_s = time.time() - start
    out_dir = osp.join(ROOT, work_dir)
    if several:
        for target in targets:
            plot_curves([r for r in results if r['domain'] == target],
                        osp.join(out_dir, curves_file(targets, target)),
                        f'mAP on the {target} test set, preset {preset_name}')
        text = domains_report(preset_name, targets, results, domains, loads, wall_s)
    else:
        plot_curves(results, osp.join(out_dir, 'map_curves.png'),
                    f'mAP on the target test set, preset {preset_name}')
        text = report(preset_name, results, domains, loads, wall_s)
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(text)
    with open(osp.join(out_dir, 'results.json'), 'w') as f:
        json.dump(dict(preset=preset_name, wall_s=wall_s, machine=machine_line(loads),
                       rows=results), f, indent=2)
    print('\n' + text)
    if any(r['error'] for r in results):
        sys.exit(1)


if __name__ == '__main__':
    main()
