"""Evaluation: the vectorised Market-1501 ranking (mAP/CMC) and the mmengine metric using it."""
from .metrics.reid_metric import ReIDMetric
from .rank import evaluate_rank

__all__ = ['evaluate_rank', 'ReIDMetric']
