# MGD's segmentation setting on Cityscapes (alpha 2e-5, lambda 0.75, spatial
# masks on the last backbone stage), here with the MobileNetV2 student:
# 320 student channels aligned to the teacher's 2048 by the connector.
_base_ = ['../_base_/distill/deeplabv3-r101_deeplabv3-mbv2_cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.student_c5}},
        teacher_recorders={{_base_.teacher_c5}},
        connectors=dict(mgd=dict(type='MGDConnector', student_channels=320, teacher_channels=2048,
                                 lambda_mgd=0.75)),
        losses=dict(loss_mgd=dict(type='MGDLoss', alpha_mgd=2e-5, loss_weight=1.0)),
        loss_inputs=dict(loss_mgd=dict(
            preds_S=dict(model='student', recorder='c5', connector='mgd'),
            preds_T=('teacher', 'c5')))))
