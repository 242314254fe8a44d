# Teacher, stage 1: DeepLabV3+ r18-w32 supervised on the labeled 1/16 partition
# (OHEM CE). Stage 2 (self-training on the unlabeled part) starts from its
# checkpoint: mgd-ssss_self-train_deeplabv3plus-r18-w32_deeplabv3plus-r18-w32_....
_base_ = [
    '../_base_/models/deeplabv3plus_r18-w32_shapes.py',
    '../_base_/datasets/shapes_cityscapes_labeled-1-16.py',
    '../_base_/schedules/adamw_2k-iter_seg.py',
    '../_base_/iter_runtime.py',
]
