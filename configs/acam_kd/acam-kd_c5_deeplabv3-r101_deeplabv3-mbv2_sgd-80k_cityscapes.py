# ACAM-KD on the paper's Cityscapes pair (DeepLabV3 R101 -> MobileNetV2, paper:
# +3.09 mIoU) on the last backbone stage: 320 -> 2048 channels, 1/8 resolution.
# A 512x1024 crop gives 64x128 = 8192 tokens: the (HW)^2 attention needs a GPU
# with memory-efficient attention.
_base_ = ['../_base_/distill/deeplabv3-r101_deeplabv3-mbv2_cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.student_c5}},
        teacher_recorders={{_base_.teacher_c5}},
        connectors=dict(align=dict(type='ChannelAlignConnector', student_channels=320, teacher_channels=2048)),
        losses=dict(loss_acam=dict(type='ACAMLoss', student_channels=320, teacher_channels=2048, num_masks=6,
                                   alpha=2e-5, beta=1.0)),
        loss_inputs=dict(loss_acam=dict(preds_S=('student', 'c5'), preds_T=('teacher', 'c5'),
                                        aligned_S=dict(model='student', recorder='c5', connector='align')))))
