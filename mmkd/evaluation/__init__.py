"""Metrics mmdet/mmseg lack (registered in mmkd's METRICS)."""
from .metrics import PromptMIoU, TopKAccuracy, mask_iou_matrix, mask_recall

__all__ = ['PromptMIoU', 'TopKAccuracy', 'mask_iou_matrix', 'mask_recall']
