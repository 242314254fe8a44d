"""Data containers mmkd adds to those of mmdet/mmseg (mmpretrain is not a dependency),
and the ground truth losses take from them."""
from .cls_data_sample import ClsDataSample, stack_gt_labels
from .ground_truth import (GROUND_TRUTH_FIELDS, BoxTargets, extract_ground_truth, gt_boxes, gt_labels,
                           gt_sem_seg)

__all__ = ['ClsDataSample', 'stack_gt_labels', 'BoxTargets', 'GROUND_TRUTH_FIELDS', 'extract_ground_truth',
           'gt_boxes', 'gt_labels', 'gt_sem_seg']
