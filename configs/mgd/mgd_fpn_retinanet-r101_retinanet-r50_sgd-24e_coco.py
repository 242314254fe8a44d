# MGD paper setting on COCO (RetinaNet R101 -> R50, 2x): spatial masks, lambda
# 0.65, alpha 2e-5 on the five 256-channel FPN levels (paper: 37.4 -> 41.0 mAP).
_base_ = ['../_base_/distill/retinanet-r101_retinanet-r50_coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        connectors=dict(mgd=dict(type='MGDConnector', student_channels=256, teacher_channels=256,
                                 lambda_mgd=0.65)),
        losses=dict(loss_mgd=dict(type='MGDLoss', alpha_mgd=2e-5, loss_weight=1.0)),
        loss_inputs=dict(loss_mgd=dict(
            preds_S=dict(model='student', recorder='fpn', connector='mgd'),
            preds_T=('teacher', 'fpn')))))
