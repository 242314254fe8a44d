"""Data for mmkd: the embedded (generated) data sets and config helpers.

Real data sets are read by mmdet/mmseg's own dataset classes through the
configs in ``configs/_base_/datasets``; nothing needs registering here.
"""
from .data_root import set_data_root
from .embedded import (CITYSCAPES_CLASSES, SHAPES_CLASSES, generate_detection,
                       generate_segmentation)

__all__ = ['CITYSCAPES_CLASSES', 'SHAPES_CLASSES', 'generate_detection', 'generate_segmentation',
           'set_data_root']
