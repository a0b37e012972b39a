"""Evaluation: the vectorised Market-1501 ranking (mAP/CMC), sparse k-reciprocal re-ranking and
the mmengine metric using them."""
from .metrics.reid_metric import ReIDMetric
from .rank import evaluate_rank
from .rerank import k_reciprocal_rerank

__all__ = ['evaluate_rank', 'k_reciprocal_rerank', 'ReIDMetric']
