"""Metrics mmdet/mmseg lack (registered in mmkd's METRICS)."""
from .metrics import PromptMIoU, TopKAccuracy, ZeroShotAccuracy, grouped_accuracy, mask_iou_matrix, mask_recall

__all__ = ['PromptMIoU', 'TopKAccuracy', 'ZeroShotAccuracy', 'grouped_accuracy', 'mask_iou_matrix',
           'mask_recall']
