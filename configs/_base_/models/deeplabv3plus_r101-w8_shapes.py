# Deep-narrow teacher (the role of MGD-SSSS's ResNet-101): DeepLabV3+ with a
# 101-layer bottleneck ResNet-V1c at 1/8 width (stages 32/64/128/256 channels).
_base_ = ['./deeplabv3plus_tiny_d8.py']
model = dict(backbone=dict(depth=101, stem_channels=16, base_channels=8),
             decode_head=dict(in_channels=256, channels=64, c1_in_channels=32, c1_channels=16))
