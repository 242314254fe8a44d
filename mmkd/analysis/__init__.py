"""Analysis tools behind ``tools/analysis``: feature similarity between teacher and student."""
from .cka import cka_matrix, collect_stage_features, linear_cka

__all__ = ['cka_matrix', 'collect_stage_features', 'linear_cka']
