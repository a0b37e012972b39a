"""Plot metrics per epoch for several runs (the benchmark's mAP and pseudo-label curves)."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

# (epoch, precision, recall) in percent; None where a value is undefined.
LabelPoint = Tuple[int, Optional[float], Optional[float]]


def draw_metric_curves(ax: Axes, curves: Dict[str, Sequence[Tuple[int, float]]],
                       references: Optional[Dict[str, float]] = None, title: str = '',
                       ylabel: str = 'mAP (%)',
                       colors: Optional[Dict[str, str]] = None) -> None:
    """Draw on ``ax`` one line per run from its ``(epoch, value)`` points and one dashed grey
    horizontal line per reference value (a model that was not trained, e.g. the untrained
    backbone). Runs without points are left out. ``colors`` maps run names to colours
    (default: matplotlib's colour cycle, in order)."""
    for name, points in curves.items():
        if points:
            epochs, values = zip(*points)
            ax.plot(epochs, values, marker='o', label=name,
                    **({'color': colors[name]} if colors and name in colors else {}))
    for name, value in (references or {}).items():
        ax.axhline(value, linestyle='--', color='grey', linewidth=1)
        ax.annotate(name, xy=(0, value), xycoords=('axes fraction', 'data'), fontsize=8,
                    color='grey', va='bottom')
    _finish(ax, title, ylabel)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def draw_label_curves(ax: Axes, curves: Dict[str, Sequence[LabelPoint]], title: str = '',
                      colors: Optional[Dict[str, str]] = None) -> None:
    """Draw on ``ax`` the pseudo-label precision (solid) and recall (dashed) per epoch of each
    run, one colour per run, from its ``(epoch, precision, recall)`` points (percent; a None
    value is left out). Runs without points are left out."""
    handles, names = [], []
    for index, (name, points) in enumerate(curves.items()):
        color = (colors or {}).get(name, f'C{index % 10}')
        drawn = False
        for column, style in ((1, '-'), (2, '--')):
            line = [(p[0], p[column]) for p in points if p[column] is not None]
            if line:
                epochs, values = zip(*line)
                ax.plot(epochs, values, linestyle=style, marker='o', color=color)
                drawn = True
        if drawn:
            handles.append(Line2D([], [], color=color, marker='o'))
            names.append(name)
    ax.set_ylim(-2, 102)
    _finish(ax, title, 'pseudo-label precision / recall (%)')
    if handles:
        handles += [Line2D([], [], color='black', linestyle=style) for style in ('-', '--')]
        ax.legend(handles, names + ['precision', 'recall'], fontsize=8)
    else:
        ax.text(0.5, 0.5, 'no run logged pseudo labels', transform=ax.transAxes,
                ha='center', va='center', color='grey')


def _finish(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_xlabel('epoch')
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)


def _save(fig: Figure, out_file: str) -> str:
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file, dpi=120)
    return out_file


def plot_metric_curves(curves: Dict[str, Sequence[Tuple[int, float]]], out_file: str,
                       references: Optional[Dict[str, float]] = None, title: str = '',
                       ylabel: str = 'mAP (%)') -> str:
    """Draw one line per run from its ``(epoch, value)`` points and one dashed horizontal line
    per reference value (a model that was not trained, e.g. the untrained backbone); write the
    figure as a PNG to ``out_file`` and return its path. Runs without points are left out of
    the plot (the caller reports them)."""
    fig = Figure(figsize=(9, 5.5))
    draw_metric_curves(fig.add_subplot(), curves, references, title, ylabel)
    return _save(fig, out_file)


def plot_metric_and_label_curves(curves: Dict[str, Sequence[Tuple[int, float]]],
                                 label_curves: Dict[str, Sequence[LabelPoint]], out_file: str,
                                 references: Optional[Dict[str, float]] = None,
                                 title: str = '', label_title: str = '',
                                 ylabel: str = 'mAP (%)') -> str:
    """Two panels side by side, written as a PNG to ``out_file`` (returns its path): on the
    left what :func:`plot_metric_curves` draws; on the right the pseudo-label precision
    (solid) and recall (dashed) per epoch of the runs in ``label_curves`` (see
    :func:`draw_label_curves`). A run has the same colour in both panels."""
    names = [name for name, points in curves.items() if points]
    names += [name for name in label_curves if name not in names]
    colors = {name: f'C{index % 10}' for index, name in enumerate(names)}
    fig = Figure(figsize=(16, 5.5))
    left, right = fig.subplots(1, 2)
    draw_metric_curves(left, curves, references, title, ylabel, colors)
    draw_label_curves(right, label_curves, label_title, colors)
    return _save(fig, out_file)
