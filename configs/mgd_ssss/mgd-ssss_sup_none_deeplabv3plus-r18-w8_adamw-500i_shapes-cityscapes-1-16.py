# Baseline: the DeepLabV3+ R18-w8 student trained supervised on the labeled
# 1/16 partition only (OHEM CE), same iterations and labeled batch size as
# the distilled students.
_base_ = [
    '../_base_/models/deeplabv3plus_r18-w8_shapes.py',
    '../_base_/datasets/shapes_cityscapes_labeled-1-16.py',
    '../_base_/schedules/adamw_500-iter_seg.py',
    '../_base_/iter_runtime.py',
]
