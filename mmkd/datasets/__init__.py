"""Data for mmkd: the embedded (generated) data sets and config helpers.

Real detection and segmentation sets are read by mmdet/mmseg's own dataset
classes through the configs in ``configs/_base_/datasets``. Classification
(mmpretrain is not a dependency) uses ``ImageFolderDataset`` and
``PackClsInputs``, registered here.
"""
from .clip_pairs import CaptionPairsDataset, CocoCaptionPairs
from .data_root import set_data_root
from .embedded import (CITYSCAPES_CLASSES, CLASSIFICATION_CLASSES, SHAPES_CLASSES,
                       generate_classification, generate_detection, generate_segmentation)
from .image_folder import ImageFolderDataset
from .transforms import PackClsInputs

__all__ = ['CITYSCAPES_CLASSES', 'CLASSIFICATION_CLASSES', 'SHAPES_CLASSES', 'ImageFolderDataset',
           'PackClsInputs', 'generate_classification', 'generate_detection', 'generate_segmentation',
           'set_data_root']
from .ov_split import (OV_COCO_BASE_CLASSES, OV_COCO_NOVEL_CLASSES, OV_SPLITS, SHAPES_BASE_CLASSES,
                       SHAPES_NOVEL_CLASSES, get_ov_split, split_coco_annotations, write_ov_split)

__all__ += ['OV_COCO_BASE_CLASSES', 'OV_COCO_NOVEL_CLASSES', 'OV_SPLITS', 'SHAPES_BASE_CLASSES',
            'SHAPES_NOVEL_CLASSES', 'get_ov_split', 'split_coco_annotations', 'write_ov_split']
__all__ += ['CaptionPairsDataset', 'CocoCaptionPairs']
from .cutmix import boxes_to_masks, cutmix_box_masks, cutmix_boxes
from .semi_split import partition, read_split_file, split_file_names, write_semi_splits
from .semi_supervised_dataset import SemiSupervisedDataset
from .split_cityscapes import SplitCityscapesDataset

__all__ += ['boxes_to_masks', 'cutmix_box_masks', 'cutmix_boxes', 'partition', 'read_split_file',
            'split_file_names', 'write_semi_splits', 'SemiSupervisedDataset', 'SplitCityscapesDataset']
