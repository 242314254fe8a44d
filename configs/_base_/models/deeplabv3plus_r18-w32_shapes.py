# Wide-shallow teacher (the role of MGD-SSSS's Wide-ResNet-34-2): DeepLabV3+
# with an 18-layer ResNet-V1c at 1/2 width (stages 32/64/128/256 channels).
_base_ = ['./deeplabv3plus_tiny_d8.py']
model = dict(backbone=dict(depth=18, stem_channels=32, base_channels=32),
             decode_head=dict(in_channels=256, channels=64, c1_in_channels=32, c1_channels=16))
