"""Data containers and geometry mmkd adds to those of mmdet/mmseg (mmpretrain is not a dependency),
and the ground truth losses take from data samples."""
from .boxes import adaptive_square_boxes, check_boxes, jitter_boxes, valid_proposals
from .cls_data_sample import ClsDataSample, stack_gt_labels
from .crops import box_background_masks, crop_and_resize
from .ground_truth import (GROUND_TRUTH_FIELDS, BoxTargets, extract_ground_truth, gt_boxes, gt_labels,
                           gt_sem_seg)

__all__ = ['ClsDataSample', 'stack_gt_labels', 'adaptive_square_boxes', 'check_boxes', 'jitter_boxes',
           'valid_proposals', 'box_background_masks', 'crop_and_resize', 'BoxTargets', 'GROUND_TRUTH_FIELDS',
           'extract_ground_truth', 'gt_boxes', 'gt_labels', 'gt_sem_seg']
