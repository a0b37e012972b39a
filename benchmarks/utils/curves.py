"""Plot metrics per epoch for several runs (the benchmark's mAP, pseudo-label and cluster
camera-view curves)."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

# (epoch, precision, recall) in percent; None where a value is undefined.
LabelPoint = Tuple[int, Optional[float], Optional[float]]
# (epoch, single-camera clusters in percent, clusters per identity, cameras per identity); None
# where a value is undefined or was not logged.
CameraPoint = Tuple[int, Optional[float], Optional[float], Optional[float]]


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


def draw_camera_curves(ax: Axes, curves: Dict[str, Sequence[CameraPoint]], title: str = '',
                       colors: Optional[Dict[str, str]] = None) -> Optional[Axes]:
    """Draw on ``ax`` the camera view of each run's clusters per epoch, one colour per run:
    the share of clusters whose images all come from one camera (solid, percent, left axis)
    and, on a twin axis on the right, the clusters an identity spreads over (dashed) and the
    cameras it is seen by (dotted; an identity split by camera has as many clusters as
    cameras). A None value is left out, and so are runs without values.

    Args:
        ax (Axes): The panel.
        curves (dict[str, Sequence[CameraPoint]]): Run name to its ``(epoch, single-camera
            share, clusters per identity, cameras per identity)`` points.
        title (str): The panel's title. Defaults to ''.
        colors (dict[str, str], optional): Run name to colour. Defaults to None
            (matplotlib's colour cycle, in order).

    Returns:
        Axes | None: The twin axis of the per-identity counts, None when no run has them.
    """
    twin = None
    handles, names = [], []
    for index, (name, points) in enumerate(curves.items()):
        color = (colors or {}).get(name, f'C{index % 10}')
        drawn = False
        for column, style in ((1, '-'), (2, '--'), (3, ':')):
            line = [(p[0], p[column]) for p in points if p[column] is not None]
            if not line:
                continue
            if column > 1 and twin is None:
                twin = ax.twinx()
            epochs, values = zip(*line)
            (ax if column == 1 else twin).plot(epochs, values, linestyle=style, marker='o',
                                               color=color)
            drawn = True
        if drawn:
            handles.append(Line2D([], [], color=color, marker='o'))
            names.append(name)
    ax.set_ylim(-2, 102)
    _finish(ax, title, 'single-camera clusters (%, solid)')
    if twin is not None:
        twin.set_ylim(bottom=0)
        twin.set_ylabel('per identity: clusters (dashed), cameras (dotted)')
    if handles:
        handles += [Line2D([], [], color='black', linestyle=style) for style in ('-', '--', ':')]
        ax.legend(handles, names + ['single-camera clusters', 'clusters per identity',
                                    'cameras per identity'], fontsize=8)
    else:
        ax.text(0.5, 0.5, 'no run logged the camera view of its clusters',
                transform=ax.transAxes, ha='center', va='center', color='grey')
    return twin


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
                                 ylabel: str = 'mAP (%)',
                                 camera_curves: Optional[Dict[str, Sequence[CameraPoint]]] = None,
                                 camera_title: str = '') -> str:
    """Panels side by side, written as a PNG to ``out_file``: on the left what
    :func:`plot_metric_curves` draws; in the middle (on the right without ``camera_curves``)
    the pseudo-label precision (solid) and recall (dashed) per epoch of the runs in
    ``label_curves`` (see :func:`draw_label_curves`); on the right, when ``camera_curves`` is
    given (even empty), the camera view of the runs' clusters (see
    :func:`draw_camera_curves`). A run has the same colour in every panel.

    Args:
        curves (dict[str, Sequence[tuple[int, float]]]): Run name to its ``(epoch, value)``
            points; runs without points are left out.
        label_curves (dict[str, Sequence[LabelPoint]]): Run name to its ``(epoch, precision,
            recall)`` points.
        out_file (str): The PNG to write (its folder is made).
        references (dict[str, float], optional): Values drawn as dashed grey horizontal lines
            on the left (models that were not trained). Defaults to None.
        title (str): The left panel's title. Defaults to ''.
        label_title (str): The pseudo-label panel's title. Defaults to ''.
        ylabel (str): The left panel's y label. Defaults to 'mAP (%)'.
        camera_curves (dict[str, Sequence[CameraPoint]], optional): Run name to its
            ``(epoch, single-camera share, clusters per identity, cameras per identity)``
            points; None draws two panels only. Defaults to None.
        camera_title (str): The camera panel's title. Defaults to ''.

    Returns:
        str: ``out_file``.
    """
    names = [name for name, points in curves.items() if points]
    names += [name for name in label_curves if name not in names]
    names += [name for name in camera_curves or {} if name not in names]
    colors = {name: f'C{index % 10}' for index, name in enumerate(names)}
    panels = 2 if camera_curves is None else 3
    fig = Figure(figsize=(8 * panels, 5.5))
    axes = fig.subplots(1, panels)
    draw_metric_curves(axes[0], curves, references, title, ylabel, colors)
    draw_label_curves(axes[1], label_curves, label_title, colors)
    if camera_curves is not None:
        draw_camera_curves(axes[2], camera_curves, camera_title, colors)
    return _save(fig, out_file)
