# Segmentation teacher on the embedded Cityscapes-layout set.
_base_ = [
    '../_base_/models/deeplabv3_r50-w16-d8_shapes.py',
    '../_base_/datasets/shapes_cityscapes.py',
    '../_base_/schedules/adamw_20e_seg.py',
    '../_base_/seg_runtime.py',
]
