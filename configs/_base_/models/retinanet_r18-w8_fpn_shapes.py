# Student: ResNet-18 at 1/8 width (stage outputs 16/32/64 channels), same FPN/head
# shape as the teacher so head outputs can be distilled without connectors.
_base_ = ['./retinanet_tiny_fpn.py']
model = dict(
    backbone=dict(depth=18, base_channels=8),
    neck=dict(in_channels=[16, 32, 64]))
