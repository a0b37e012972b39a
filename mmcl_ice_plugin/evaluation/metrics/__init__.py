"""mmengine metrics of the plugin."""
from .reid_metric import ReIDMetric

__all__ = ['ReIDMetric']
