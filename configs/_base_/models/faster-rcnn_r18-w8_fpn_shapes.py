# Student: Faster R-CNN, ResNet-18 at 1/8 width (stage outputs 16/32/64 channels),
# same FPN width and heads as the teacher.
_base_ = ['./faster-rcnn_tiny_fpn.py']
model = dict(
    backbone=dict(depth=18, base_channels=8),
    neck=dict(in_channels=[16, 32, 64]))
