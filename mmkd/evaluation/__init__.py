"""Metrics mmdet/mmseg lack (registered in mmkd's METRICS)."""
from .metrics import TopKAccuracy

__all__ = ['TopKAccuracy']
