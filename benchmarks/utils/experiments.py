"""Run the command-line tools as subprocesses and collect what they measured.

Shared by ``tools/run_demo.py`` and ``benchmarks/benchmark_methods.py``: each training or
evaluation runs as ``python tools/train.py`` / ``tools/test.py`` in its own process, exactly the
command a user would type (so a row of a table can be re-run by hand), and the results are read
back from the files the tools write: ``metrics.json`` (``tools/test.py --out``), the work dir's
``vis_data/scalars.json`` (validation during training) and the checkpoints.
"""
import glob
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import torch

METRIC_KEYS = ('mAP', 'rank1', 'rank5', 'rank10')


def run_command(cmd: Sequence[str], root: str, log_file: Optional[str] = None) -> None:
    """Run ``cmd`` in ``root`` with ``root`` first on ``PYTHONPATH`` (the checkout's package is
    the one imported). Output goes to ``log_file`` (replaced) when given, else to this
    process's stdout/stderr.

    Raises:
        subprocess.CalledProcessError: the command exited with a non-zero status.
    """
    print('$', shlex.join(cmd), flush=True)
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (root, env.get('PYTHONPATH')) if p)
    if log_file is None:
        subprocess.run(cmd, cwd=root, env=env, check=True)
        return
    os.makedirs(osp.dirname(osp.abspath(log_file)), exist_ok=True)
    with open(log_file, 'w') as log:
        subprocess.run(cmd, cwd=root, env=env, check=True, stdout=log, stderr=subprocess.STDOUT)


def cfg_options_args(options: Dict[str, object]) -> List[str]:
    """``--cfg-options k=v ...`` arguments for mmengine's ``DictAction`` (empty for none)."""
    if not options:
        return []
    return ['--cfg-options'] + [f'{k}={_option_value(v)}' for k, v in options.items()]


def _option_value(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(_option_value(v) for v in value) + ']'
    return str(value)


def train_command(config: str, work_dir: str, load_from: Optional[str] = None,
                  cfg_options: Optional[Dict[str, object]] = None,
                  validate: bool = True) -> List[str]:
    """The ``tools/train.py`` command line (run from the repository root)."""
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir', work_dir]
    if not validate:
        cmd.append('--no-validate')
    options = dict(cfg_options or {})
    if load_from:
        options['load_from'] = load_from
    return cmd + cfg_options_args(options)


def test_command(config: str, work_dir: str, checkpoint: Optional[str] = None,
                 cfg_options: Optional[Dict[str, object]] = None) -> List[str]:
    """The ``tools/test.py`` command line that evaluates ``checkpoint`` (the untrained model
    when None) and writes ``work_dir/metrics.json``."""
    return [sys.executable, 'tools/test.py', config, checkpoint or '--untrained',
            '--work-dir', work_dir, '--out', osp.join(work_dir, 'metrics.json')
            ] + cfg_options_args(cfg_options or {})


def last_checkpoint(root: str, work_dir: str) -> str:
    """The checkpoint path that mmengine recorded in ``work_dir/last_checkpoint``."""
    with open(osp.join(root, work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def read_metrics(root: str, work_dir: str) -> Dict[str, float]:
    """The metrics ``tools/test.py --out`` wrote to ``work_dir/metrics.json``."""
    with open(osp.join(root, work_dir, 'metrics.json')) as f:
        return json.load(f)


def train(root: str, config: str, work_dir: str, load_from: Optional[str] = None,
          cfg_options: Optional[Dict[str, object]] = None, validate: bool = True) -> str:
    """Train with ``tools/train.py``; returns the path of the last checkpoint.

    ``work_dir`` and ``load_from`` are relative to ``root`` or absolute.
    """
    run_command(train_command(config, work_dir, load_from, cfg_options, validate), root)
    return last_checkpoint(root, work_dir)


def evaluate(root: str, config: str, work_dir: str, checkpoint: Optional[str] = None,
             cfg_options: Optional[Dict[str, object]] = None) -> Dict[str, float]:
    """Evaluate ``checkpoint`` (the untrained model when None) with ``tools/test.py`` on the
    config's test set; returns ``{'mAP', 'rank1', 'rank5', 'rank10'}`` in percent."""
    run_command(test_command(config, work_dir, checkpoint, cfg_options), root)
    return read_metrics(root, work_dir)


def _latest_scalars(work_dir: str) -> List[dict]:
    """The entries of the latest run's ``vis_data/scalars.json`` in ``work_dir`` (mmengine
    writes one JSON object per line in ``<work_dir>/<timestamp>/``), empty when there is none."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not runs:
        return []
    with open(runs[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def read_val_history(work_dir: str) -> List[Dict[str, float]]:
    """The validation results logged during training, one dict per evaluation with ``epoch``
    and the metrics, oldest first, from the latest run's ``vis_data/scalars.json`` in
    ``work_dir`` (empty when nothing was validated)."""
    return [dict(epoch=int(entry['step']), **{k: float(entry[k]) for k in METRIC_KEYS})
            for entry in _latest_scalars(work_dir) if 'mAP' in entry]


def _mean(values: List[float]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def read_label_history(work_dir: str) -> List[Dict[str, object]]:
    """Pseudo-label quality per training epoch from the latest run's ``vis_data/scalars.json``
    in ``work_dir``: precision and recall, and for clusters their camera view.

    Each entry is ``{'epoch', 'source', 'precision', 'recall', 'single_camera',
    'clusters_per_identity', 'cameras_per_identity'}``, oldest first, ``epoch`` counted from 1
    as in mmengine's logs and :func:`read_val_history`: the training epoch that used the labels
    (so the labels of epoch ``e`` come from the model validated at ``e - 1``). Precision,
    recall and ``single_camera`` are in percent.

    * ``source='clustering'`` (ICE's ``ClusteringHook``): the pairwise precision and recall
      of the DBSCAN clusters made before the epoch, over the whole training set (outliers are
      singletons). The hook logs them as fractions, ``pseudo_labels/precision`` and
      ``pseudo_labels/recall``, with ``step`` = the epochs done before clustering (0 first).
      Their camera view, from the hook's ``pseudo_labels/single_camera_clusters`` (a fraction),
      ``pseudo_labels/clusters_per_identity`` and ``pseudo_labels/cameras_per_identity``:
      ``single_camera``, the share of the clusters whose images all come from one camera;
      ``clusters_per_identity``, the clusters an identity's clustered images spread over, on
      average; ``cameras_per_identity``, the cameras those identities are seen by, on average
      (an identity split by camera has as many clusters as cameras). Each is None when the
      hook did not log it (runs from before it did).
    * ``source='mplp'`` (MMCL): the mean over the epoch's logged lines of ``mplp_precision``
      and ``mplp_recall`` (percent; lines with ``epoch``, ``iter`` and ``step``). These are
      batch-level values of the iterations the logger recorded (every ``interval``-th and an
      epoch's last, each the value of that one batch, not a window mean), not a measure of
      the whole bank's labels. MMCL has no clusters: the camera view is None.

    Precision is ``None`` where nothing was labelled positive (the logs say 0): an epoch whose
    clustering found no cluster, or whose logged batches all had no positive but the samples
    themselves (``num_positives`` 1, as before MMCL's ``start_epoch``); recall is then 0. An
    epoch without clusters has no camera view either (None).

    Args:
        work_dir (str): The run's work dir, holding ``<timestamp>/vis_data/scalars.json``.

    Returns:
        list[dict]: The entries, clustering epochs first, then MMCL's; empty for a run that
        logged no pseudo-label quality (supervised) or a folder without ``scalars.json``.
    """
    clustering, mplp = {}, {}
    for entry in _latest_scalars(work_dir):
        if 'pseudo_labels/precision' in entry:
            defined = entry.get('pseudo_labels/num_clusters', 1) > 0
            view = {}
            for key, scale in (('single_camera_clusters', 100), ('clusters_per_identity', 1),
                               ('cameras_per_identity', 1)):
                value = entry.get(f'pseudo_labels/{key}')
                view[key] = scale * float(value) if defined and value is not None else None
            clustering[int(entry['step']) + 1] = dict(
                precision=100 * float(entry['pseudo_labels/precision']) if defined else None,
                recall=100 * float(entry['pseudo_labels/recall']),
                single_camera=view['single_camera_clusters'],
                clusters_per_identity=view['clusters_per_identity'],
                cameras_per_identity=view['cameras_per_identity'])
        elif 'mplp_precision' in entry and 'epoch' in entry:
            lines = mplp.setdefault(int(entry['epoch']), dict(precision=[], recall=[]))
            if entry.get('num_positives', 2) > 1:
                lines['precision'].append(float(entry['mplp_precision']))
            lines['recall'].append(float(entry['mplp_recall']))
    history = [dict(epoch=epoch, source='clustering', **values)
               for epoch, values in sorted(clustering.items())]
    history += [dict(epoch=epoch, source='mplp', precision=_mean(lines['precision']),
                     recall=_mean(lines['recall']), single_camera=None,
                     clusters_per_identity=None, cameras_per_identity=None)
                for epoch, lines in sorted(mplp.items())]
    return history


def checkpoint_progress(checkpoint: str) -> Tuple[int, float]:
    """``(epoch, seconds)`` of a training checkpoint: the epochs done, and the time spent in
    training iterations, the sum of the per-iteration times that mmengine's ``IterTimerHook``
    recorded (data loading and the hooks that run before an epoch's first iteration, such as
    ICE's clustering, included; validation and checkpoint writing excluded)."""
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    values, _ = state['message_hub']['log_scalars']['train/time'].data
    return int(state['meta']['epoch']), float(values.sum())


def format_table(rows: List[dict],
                 extra_columns: Optional[Dict[str, Sequence[str]]] = None) -> str:
    """A markdown table of results.

    Args:
        rows (list[dict]): One dict per row with ``name``, ``metrics`` (the four metrics in
            percent, or None when the row failed) and ``train_s`` (seconds, or None when
            nothing was trained); a failed row says ``failed`` in every metric column.
        extra_columns (dict[str, Sequence[str]], optional): Columns added after the train
            time, header to cells (one per row, in order, written as given). Defaults to None.

    Returns:
        str: The table, one line per row after the header and the alignment line.
    """
    extra_columns = extra_columns or {}
    for header, cells in extra_columns.items():
        if len(cells) != len(rows):
            raise ValueError(f'format_table: column {header!r} has {len(cells)} cells for '
                             f'{len(rows)} rows')
    lines = ['| method | mAP | rank-1 | rank-5 | rank-10 | train time |' +
             ''.join(f' {header} |' for header in extra_columns),
             '| --- | ---: | ---: | ---: | ---: | ---: |' + ' ---: |' * len(extra_columns)]
    for index, row in enumerate(rows):
        extra = ''.join(f' {cells[index]} |' for cells in extra_columns.values())
        metrics = row.get('metrics')
        if metrics is None:
            lines.append(f"| {row['name']} | failed | failed | failed | failed | failed |"
                         + extra)
            continue
        train_s = row.get('train_s')
        train_time = '-' if train_s is None else f'{train_s / 60:.1f} min'
        lines.append(f"| {row['name']} | " + ' | '.join(f'{metrics[k]:.1f}' for k in METRIC_KEYS)
                     + f' | {train_time} |' + extra)
    return '\n'.join(lines)
