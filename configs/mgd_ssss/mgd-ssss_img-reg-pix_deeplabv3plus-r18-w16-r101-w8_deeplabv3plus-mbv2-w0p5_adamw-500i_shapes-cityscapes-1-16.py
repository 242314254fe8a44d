# Full MGD-SSSS into a DeepLabV3+ MobileNetV2-w0.5 student (same teachers).
_base_ = ['../_base_/distill/mgd-ssss_deeplabv3plus_r18-w16-r101-w8_shapes-cityscapes-1-16.py']
model = dict(student=dict(cfg_path='{{fileDirname}}/../_base_/models/deeplabv3plus_mbv2-w0.5_shapes.py'))
