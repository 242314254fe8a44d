# Teacher: DeepLabV3 with ResNet-50-V1c at 1/4 width (last stage 512 channels).
_base_ = ['./deeplabv3_tiny_d8.py']
model = dict(backbone=dict(depth=50, stem_channels=16, base_channels=16),
             decode_head=dict(in_channels=512))
