from .curves import plot_metric_curves
from .ranked_results import draw_ranked_results

__all__ = ['draw_ranked_results', 'plot_metric_curves']
