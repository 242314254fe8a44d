# Student: DeepLabV3+ with MobileNetV2 at half width, output stride 8 (mmseg's
# deeplabv3plus MobileNetV2 layout: stages 1, 2, 4, 6; the stride-4 stage feeds the decoder).
_base_ = ['./deeplabv3plus_tiny_d8.py']
model = dict(
    backbone=dict(_delete_=True, type='MobileNetV2', widen_factor=0.5, strides=(1, 2, 2, 1, 1, 1, 1),
                  dilations=(1, 1, 1, 2, 2, 4, 4), out_indices=(1, 2, 4, 6),
                  norm_cfg=dict(type='BN', requires_grad=True)),
    decode_head=dict(in_channels=160, channels=32, c1_in_channels=16, c1_channels=8))
