# Wide-shallow teacher (the role of MGD-SSSS's Wide-ResNet-34-2): DeepLabV3+
# with an 18-layer ResNet-V1c at 1/4 width (stages 16/32/64/128 channels),
# twice the student's width, against the deep-narrow R101-w8.
_base_ = ['./deeplabv3plus_tiny_d8.py']
model = dict(backbone=dict(depth=18, stem_channels=16, base_channels=16),
             decode_head=dict(in_channels=128, channels=64, c1_in_channels=16, c1_channels=16))
