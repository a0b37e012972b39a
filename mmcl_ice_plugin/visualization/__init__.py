from .ranked_results import draw_ranked_results

__all__ = ['draw_ranked_results']
