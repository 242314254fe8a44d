# MGD-SSSS, the paper's Cityscapes 1/16 setting: WRN-34-2 and R101 DeepLabV3+
# teachers -> DeepLabV3+ ResNet-18 student (paper: +11.5 mIoU over the
# supervised student at 1/16).
_base_ = ['../_base_/distill/mgd-ssss_deeplabv3plus_wrn34-2-r101_cityscapes-1-16.py']
