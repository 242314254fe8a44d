# GKD stage 2 (task learning), F2L student: the stage-1 ResNet-18 student
# (half width, output stride 16) frozen, an FCN head on its last three stages
# (64 x 16x32, 128 x 8x16, 256 x 8x16, resized to the first and concatenated).
_base_ = ['./gkd_stage2-frozen_vit-e128-d4_fcn_adamw-800i_street-dg.py']
model = dict(
    backbone=dict(arch='resnet18', arch_cfg=dict(_delete_=True, channels=(32, 64, 128, 256), output_stride=16),
                  out_indices=(2, 3, 4)),
    decode_head=dict(in_channels=[64, 128, 256], in_index=(0, 1, 2)))
