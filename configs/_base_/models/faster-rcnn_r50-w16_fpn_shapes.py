# Teacher: Faster R-CNN, ResNet-50 at 1/4 width (stage outputs 128/256/512 channels), FPN 64.
_base_ = ['./faster-rcnn_tiny_fpn.py']
model = dict(
    backbone=dict(depth=50, base_channels=16),
    neck=dict(in_channels=[128, 256, 512]))
