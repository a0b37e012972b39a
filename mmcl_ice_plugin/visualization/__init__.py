from .curves import (draw_label_curves, draw_metric_curves, plot_metric_and_label_curves,
                     plot_metric_curves)
from .ranked_results import draw_ranked_results

__all__ = ['draw_label_curves', 'draw_metric_curves', 'draw_ranked_results',
           'plot_metric_and_label_curves', 'plot_metric_curves']
