# FGD (mmkd's segmentation reading, see fgd_c5_deeplabv3-r50-w16...) on the
# Cityscapes paper pair: last backbone stage, 320 -> 2048 channels; foreground =
# Cityscapes' object classes (pole, traffic light/sign, person ... bicycle).
_base_ = ['../_base_/distill/deeplabv3-r101_deeplabv3-mbv2_cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.student_c5}},
        teacher_recorders={{_base_.teacher_c5}},
        connectors=dict(align=dict(type='ChannelAlignConnector', student_channels=320, teacher_channels=2048)),
        losses=dict(loss_fgd=dict(type='FGDLoss', channels=2048, temp=0.5,
                                  alpha_fgd=1e-3, beta_fgd=5e-4, gamma_fgd=1e-3, lambda_fgd=5e-6,
                                  foreground_classes=[5, 6, 7, 11, 12, 13, 14, 15, 16, 17, 18],
                                  loss_weight=1.0)),
        loss_inputs=dict(loss_fgd=dict(preds_S=dict(model='student', recorder='c5', connector='align'),
                                       preds_T=('teacher', 'c5'),
                                       gt=('data_samples', 'gt_sem_seg')))))
