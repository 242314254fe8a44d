# FGD on the last backbone stage of the segmentation pair. FGD is a detection
# method; for segmentation mmkd takes the foreground from the label map:
# Cityscapes' object classes (train ids 5-7 pole, traffic light, sign; 11-18
# person ... bicycle), each mask normalised to sum 1 per image. A 1x1 conv
# connector aligns the student's 64 channels to the teacher's 512.
_base_ = ['../_base_/distill/deeplabv3-r50-w16_deeplabv3-r18-w8_shapes-cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(align=dict(type='ChannelAlignConnector', student_channels=64, teacher_channels=512)),
        losses=dict(loss_fgd=dict(type='FGDLoss', channels=512, temp=0.5,
                                  alpha_fgd=1e-3, beta_fgd=5e-4, gamma_fgd=1e-3, lambda_fgd=5e-6,
                                  foreground_classes=[5, 6, 7, 11, 12, 13, 14, 15, 16, 17, 18],
                                  loss_weight=1.0)),
        loss_inputs=dict(loss_fgd=dict(preds_S=dict(model='student', recorder='c5', connector='align'),
                                       preds_T=('teacher', 'c5'),
                                       gt=('data_samples', 'gt_sem_seg')))))
