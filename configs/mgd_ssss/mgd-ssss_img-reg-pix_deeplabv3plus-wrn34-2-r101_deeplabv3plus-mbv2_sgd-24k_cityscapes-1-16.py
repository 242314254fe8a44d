# MGD-SSSS, the paper's Cityscapes 1/16 setting with the MobileNetV2
# DeepLabV3+ student (paper: +4.6 mIoU over the supervised student at 1/16).
_base_ = ['../_base_/distill/mgd-ssss_deeplabv3plus_wrn34-2-r101_cityscapes-1-16.py']
model = dict(student=dict(
    cfg_path='mmseg::mobilenet_v2/mobilenet-v2-d8_deeplabv3plus_4xb2-80k_cityscapes-512x1024.py'))
