# Teacher, stage 1: DeepLabV3+ r101-w8 supervised on the labeled 1/16 partition
# (OHEM CE). Stage 2 (self-training on the unlabeled part) starts from its
# checkpoint: mgd-ssss_self-train_deeplabv3plus-r101-w8_deeplabv3plus-r101-w8_....
_base_ = [
    '../_base_/models/deeplabv3plus_r101-w8_shapes.py',
    '../_base_/datasets/shapes_cityscapes_labeled-1-16.py',
    '../_base_/schedules/adamw_500-iter_seg.py',
    '../_base_/iter_runtime.py',
]
