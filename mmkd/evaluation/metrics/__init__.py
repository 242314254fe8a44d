from .topk_accuracy import TopKAccuracy

__all__ = ['TopKAccuracy']
