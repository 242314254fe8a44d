# A DeepLabV3+ (output stride 8, decoder fed by the stride-4 stage) sized for
# CPU training on the embedded Cityscapes-layout set (64x128 training crops
# of the 128x256 images, hence the preprocessor's pad size): the tiny
# DeepLabV3 with mmseg's DepthwiseSeparableASPPHead, at 1/8 width (ResNet-18-V1c
# stages 8/16/32/64 channels), and the supervised loss of semi-supervised
# segmentation (CPS, MGD-SSSS): OHEM cross-entropy keeping the pixels whose
# probability of the true class is below 0.7, at least `min_kept` per image
# (the paper keeps 50000 of 800x800, ~7.8%; 640 is that share of 64x128).
# Library pieces only: mmseg's OHEMPixelSampler and CrossEntropyLoss
# (avg_non_ignore: images without labels in a batch do not dilute the mean).
_base_ = ['./deeplabv3_tiny_d8.py']
model = dict(
    data_preprocessor=dict(size=(64, 128)),
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=64,
        channels=32,
        c1_in_channels=8,
        c1_channels=8,
        sampler=dict(type='OHEMPixelSampler', thresh=0.7, min_kept=640),
        loss_decode=dict(avg_non_ignore=True)))
