"""Plot a metric per epoch for several runs (the benchmark's mAP curves)."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def plot_metric_curves(curves: Dict[str, Sequence[Tuple[int, float]]], out_file: str,
                       references: Optional[Dict[str, float]] = None, title: str = '',
                       ylabel: str = 'mAP (%)') -> str:
    """Draw one line per run from its ``(epoch, value)`` points and one dashed horizontal line
    per reference value (a model that was not trained, e.g. the untrained backbone); write the
    figure as a PNG to ``out_file`` and return its path. Runs without points are left out of
    the plot (the caller reports them)."""
    fig = Figure(figsize=(9, 5.5))
    ax = fig.add_subplot()
    for name, points in curves.items():
        if points:
            epochs, values = zip(*points)
            ax.plot(epochs, values, marker='o', label=name)
    for name, value in (references or {}).items():
        ax.axhline(value, linestyle='--', color='grey', linewidth=1)
        ax.annotate(name, xy=(0, value), xycoords=('axes fraction', 'data'), fontsize=8,
                    color='grey', va='bottom')
    ax.set_xlabel('epoch')
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    fig.savefig(out_file, dpi=120)
    return out_file
