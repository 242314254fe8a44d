"""Data containers mmkd adds to those of mmdet/mmseg (mmpretrain is not a dependency)."""
from .cls_data_sample import ClsDataSample, stack_gt_labels

__all__ = ['ClsDataSample', 'stack_gt_labels']
