# FGD paper setting on COCO (RetinaNet R101 -> R50, 2x): the FGD repository's
# RetinaNet weights (temp 0.5, alpha 1e-3, beta 5e-4, gamma 1e-3, lambda 5e-6)
# on the five 256-channel FPN levels (paper: 37.4 -> 39.7 mAP).
_base_ = ['../_base_/distill/retinanet-r101_retinanet-r50_coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        losses=dict(loss_fgd=dict(type='FGDLoss', channels=256, temp=0.5,
                                  alpha_fgd=1e-3, beta_fgd=5e-4, gamma_fgd=1e-3, lambda_fgd=5e-6,
                                  loss_weight=1.0)),
        loss_inputs=dict(loss_fgd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn'),
                                       gt=('data_samples', 'gt_boxes')))))
