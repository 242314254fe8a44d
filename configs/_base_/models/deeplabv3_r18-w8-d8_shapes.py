# Student: DeepLabV3 with ResNet-18-V1c at 1/8 width (last stage 64 channels).
_base_ = ['./deeplabv3_tiny_d8.py']
model = dict(backbone=dict(depth=18, stem_channels=8, base_channels=8),
             decode_head=dict(in_channels=64, channels=32))
