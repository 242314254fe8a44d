# Baseline: the DeepLabV3+ MobileNetV2-w0.5 student, supervised on the labeled 1/16 partition only.
_base_ = [
    '../_base_/models/deeplabv3plus_mbv2-w0.5_shapes.py',
    '../_base_/datasets/shapes_cityscapes_labeled-1-16.py',
    '../_base_/schedules/adamw_500-iter_seg.py',
    '../_base_/iter_runtime.py',
]
