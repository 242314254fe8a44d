"""Data containers and geometry mmkd adds to those of mmdet/mmseg (mmpretrain is not a dependency)."""
from .boxes import adaptive_square_boxes, check_boxes, jitter_boxes, valid_proposals
from .cls_data_sample import ClsDataSample, stack_gt_labels
from .crops import box_background_masks, crop_and_resize

__all__ = ['ClsDataSample', 'stack_gt_labels', 'adaptive_square_boxes', 'check_boxes', 'jitter_boxes',
           'valid_proposals', 'box_background_masks', 'crop_and_resize']
