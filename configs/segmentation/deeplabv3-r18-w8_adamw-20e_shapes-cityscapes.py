# Segmentation student trained alone.
_base_ = [
    '../_base_/models/deeplabv3_r18-w8-d8_shapes.py',
    '../_base_/datasets/shapes_cityscapes.py',
    '../_base_/schedules/adamw_20e_seg.py',
    '../_base_/seg_runtime.py',
]
